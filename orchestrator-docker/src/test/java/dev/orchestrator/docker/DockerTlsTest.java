package dev.orchestrator.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;

import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.ContainerRequest;
import dev.orchestrator.runtime.ContainerRuntimeException;
import dev.orchestrator.runtime.ContainerState;
import dev.orchestrator.runtime.NodeInfo;
import dev.orchestrator.runtime.NodeUnavailableException;
import dev.orchestrator.runtime.OwnerLabels;
import dev.orchestrator.spec.ServiceSpec;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Mutual TLS to a real Docker Engine, as a remote engine is reached: a second engine in its own
 * network namespace runs {@code dockerd --tlsverify} with a throwaway CA ({@code
 * scripts/second-engine.sh start NAME --tls}). A runtime with the client's certificates works;
 * one without certificates, one whose certificate another CA signed and one that does not trust
 * the engine's certificate are refused with an error naming the engine, within a bound. The
 * TLS handshake with an endpoint that never answers is bounded too, and a certificate directory
 * that lacks a file fails at build instead of falling back to plain HTTP. The
 * engine and the TLS files also come from DOCKER_HOST / DOCKER_TLS_VERIFY / DOCKER_CERT_PATH
 * (checked in a child JVM, since the environment is the only way to set them).
 */
class DockerTlsTest {
  private static final Logger log = LoggerFactory.getLogger(DockerTlsTest.class);
  /** A refused or broken TLS connection must be reported well within this. */
  private static final Duration BOUND = Duration.ofSeconds(15);

  private static SecondEngine engine;
  private static String image;

  @TempDir
  static Path temp;

  private final String instance = "tls-" + DockerTestEngine.randomId();

  @BeforeAll
  static void startTlsEngine() {
    image = DockerTestEngine.image();
    engine = SecondEngine.startTls();
    engine.load(image); // over TCP with the client certificate, like every other client here
  }

  @AfterAll
  static void removeEngine() {
    if (engine != null) {
      engine.close();
    }
  }

  private static DockerRuntime.Builder tlsRuntime() {
    return DockerRuntime.builder().dockerHost(engine.host()).tls(engine.clientCertPath()).nodeName("tls-node")
        .connectTimeout(Duration.ofSeconds(3)).responseTimeout(Duration.ofSeconds(10));
  }

  @Test
  void a_runtime_with_the_client_certificates_connects_and_runs_a_container() {
    assertThat(engine.host()).endsWith(":2376");
    try (DockerRuntime runtime = tlsRuntime().instanceId(instance).build()) {
      assertTimeoutPreemptively(Duration.ofSeconds(45), () -> {
        NodeInfo node = runtime.node();
        assertThat(node.name()).isEqualTo("tls-node");
        assertThat(node.address()).isEqualTo(engine.address());
        assertThat(node.cpuMillis()).isPositive();
        assertThat(runtime.apiVersion()).isEqualTo("1.41");

        ServiceSpec spec = ServiceSpec.builder("sleeper").image(image).command("sleep", "300").build();
        String id = runtime.create(new ContainerRequest(instance + "-sleeper", spec,
            DockerTestSupport.labels(instance, "sleeper"), Map.of()));
        try {
          runtime.start(id);
          List<ContainerInfo> listed = runtime.list(OwnerLabels.ofInstance(instance));
          assertThat(listed).extracting(ContainerInfo::id).containsExactly(id);
          assertThat(listed.get(0).state()).isEqualTo(ContainerState.RUNNING);
          assertThat(listed.get(0).node()).isEqualTo("tls-node");
          // the engine's own CLI, on its unix socket, sees the same container
          assertThat(engine.docker("ps", "-q", "--no-trunc")).contains(id);
        } finally {
          runtime.remove(id);
        }
        assertThat(runtime.list(OwnerLabels.ofInstance(instance))).isEmpty();
        assertThat(runtime.inspect(id)).isEmpty();
      });
    }
  }

  @Test
  void a_runtime_without_certificates_is_refused_with_the_engine_named() {
    try (DockerRuntime runtime = DockerRuntime.builder().dockerHost(engine.host())
        .connectTimeout(Duration.ofSeconds(3)).responseTimeout(Duration.ofSeconds(10)).build()) {
      assertRefused(runtime, "HTTP request to an HTTPS server");
    }
  }

  @Test
  void a_client_certificate_signed_by_another_ca_is_refused_with_the_engine_named() throws IOException {
    // trusts the engine (the right ca.pem) but presents a certificate that the engine's CA did not sign
    Path foreign = foreignCertificates("foreign-client");
    Path client = Files.createDirectories(temp.resolve("foreign-client-dir"));
    Files.copy(engine.clientCertPath().resolve("ca.pem"), client.resolve("ca.pem"));
    Files.copy(foreign.resolve("cert.pem"), client.resolve("cert.pem"));
    Files.copy(foreign.resolve("key.pem"), client.resolve("key.pem"));
    try (DockerRuntime runtime = DockerRuntime.builder().dockerHost(engine.host()).tls(client)
        .connectTimeout(Duration.ofSeconds(3)).responseTimeout(Duration.ofSeconds(10)).build()) {
      assertRefused(runtime, "TLS handshake failed");
    }
  }

  @Test
  void a_client_that_does_not_trust_the_engines_certificate_refuses_it_with_the_engine_named() {
    // every file from another CA: the engine's certificate is not trusted
    Path foreign = foreignCertificates("foreign-ca");
    try (DockerRuntime runtime = DockerRuntime.builder().dockerHost(engine.host()).tls(foreign)
        .connectTimeout(Duration.ofSeconds(3)).responseTimeout(Duration.ofSeconds(10)).build()) {
      assertRefused(runtime, "TLS handshake failed");
    }
  }

  @Test
  void a_tls_handshake_that_never_gets_an_answer_is_bounded() throws IOException {
    // accepts TCP connections and never says a word: without a handshake bound the call would hang
    List<Socket> accepted = new ArrayList<>();
    try (ServerSocket silent = new ServerSocket(0, 10, InetAddress.getLoopbackAddress())) {
      Thread acceptor = new Thread(() -> {
        try {
          while (true) {
            accepted.add(silent.accept());
          }
        } catch (IOException e) {
          // closed
        }
      }, "silent-tls-endpoint");
      acceptor.setDaemon(true);
      acceptor.start();
      String host = "tcp://127.0.0.1:" + silent.getLocalPort();
      try (DockerRuntime runtime = DockerRuntime.builder().dockerHost(host).tls(engine.clientCertPath())
          .connectTimeout(Duration.ofSeconds(2)).responseTimeout(Duration.ofSeconds(3)).build()) {
        long start = System.nanoTime();
        ContainerRuntimeException e = assertTimeoutPreemptively(BOUND,
            () -> catchRuntimeException(runtime::node));
        log.info("silent endpoint: {}", e.toString());
        assertThat(e).isInstanceOf(ContainerRuntimeException.class);
        assertThat(e.getMessage()).contains(host);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
      }
    } finally {
      for (Socket s : accepted) {
        s.close();
      }
    }
  }

  @Test
  void tls_with_a_certificate_directory_that_lacks_a_file_fails_at_build_instead_of_falling_back_to_plain_http()
      throws IOException {
    Path incomplete = Files.createDirectories(temp.resolve("incomplete"));
    Files.copy(engine.clientCertPath().resolve("ca.pem"), incomplete.resolve("ca.pem"));
    Files.copy(engine.clientCertPath().resolve("cert.pem"), incomplete.resolve("cert.pem"));
    assertThatThrownBy(() -> DockerRuntime.builder().dockerHost(engine.host()).tls(incomplete).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(incomplete.resolve("key.pem").toString());
    assertThatThrownBy(() -> DockerRuntime.builder().dockerHost(engine.host()).tls(temp.resolve("missing")).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining(temp.resolve("missing").toString());
  }

  @Test
  void docker_host_tls_verify_and_cert_path_from_the_environment_connect() throws Exception {
    String expectedName;
    try (DockerRuntime runtime = DockerRuntime.builder().dockerHost(engine.host()).tls(engine.clientCertPath())
        .connectTimeout(Duration.ofSeconds(3)).responseTimeout(Duration.ofSeconds(10)).build()) {
      expectedName = runtime.node().name(); // the engine's own name
    }
    ChildResult child = runChild(Map.of("DOCKER_HOST", engine.host(), "DOCKER_TLS_VERIFY", "1",
        "DOCKER_CERT_PATH", engine.clientCertPath().toString()));
    assertThat(child.exit).as("child JVM output:\n%s", child.output).isZero();
    assertThat(child.output).contains("NODE " + expectedName + " API 1.41 ADDRESS " + engine.address());
  }

  private record ChildResult(int exit, String output) {}

  private static ChildResult runChild(Map<String, String> env) throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path out = Files.createTempFile(temp, "tls-env-child", ".out");
    ProcessBuilder pb = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        TlsEnvChild.class.getName()).redirectErrorStream(true).redirectOutput(out.toFile());
    pb.environment().keySet().removeIf(k -> k.startsWith("DOCKER_"));
    pb.environment().putAll(env);
    Process p = pb.start();
    if (!p.waitFor(30, TimeUnit.SECONDS)) {
      p.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
      throw new AssertionError("child JVM did not finish within 30 s:\n" + Files.readString(out));
    }
    return new ChildResult(p.exitValue(), Files.readString(out, StandardCharsets.UTF_8));
  }

  /**
   * The runtime's first call fails within {@link #BOUND} with a {@link ContainerRuntimeException}
   * that names the engine and says why; not {@link NodeUnavailableException}: the engine answers,
   * it refuses this client (a configuration error that waiting does not fix).
   */
  private static void assertRefused(DockerRuntime runtime, String why) {
    ContainerRuntimeException e = assertTimeoutPreemptively(BOUND, () -> catchRuntimeException(runtime::node));
    log.info("refused: {}", e.getMessage());
    assertThat(e).isExactlyInstanceOf(ContainerRuntimeException.class);
    assertThat(e.getMessage()).contains(engine.host()).contains(why);
    ContainerRuntimeException again = assertTimeoutPreemptively(BOUND, () -> catchRuntimeException(runtime::apiVersion));
    assertThat(again.getMessage()).contains(engine.host()).contains(why);
  }

  private static ContainerRuntimeException catchRuntimeException(Runnable call) {
    try {
      call.run();
    } catch (ContainerRuntimeException e) {
      return e;
    }
    throw new AssertionError("the call succeeded");
  }

  /** A CA of its own and a client certificate (clientAuth) it signed: ca.pem, cert.pem, key.pem. */
  private static Path foreignCertificates(String dirName) {
    Path dir = temp.resolve(dirName);
    try {
      Files.createDirectories(dir);
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    openssl(dir, "req", "-x509", "-new", "-newkey", "rsa:2048", "-nodes", "-sha256", "-days", "1",
        "-keyout", "ca-key.pem", "-out", "ca.pem", "-subj", "/CN=another CA",
        "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign");
    openssl(dir, "req", "-new", "-newkey", "rsa:2048", "-nodes", "-sha256", "-keyout", "key.pem",
        "-out", "client.csr", "-subj", "/CN=foreign client");
    try {
      Files.writeString(dir.resolve("client.ext"), "extendedKeyUsage=clientAuth\n");
    } catch (IOException e) {
      throw new AssertionError(e);
    }
    openssl(dir, "x509", "-req", "-in", "client.csr", "-CA", "ca.pem", "-CAkey", "ca-key.pem", "-CAcreateserial",
        "-sha256", "-days", "1", "-extfile", "client.ext", "-out", "cert.pem");
    return dir;
  }

  private static void openssl(Path dir, String... args) {
    List<String> command = new ArrayList<>(List.of("openssl"));
    command.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(command).directory(dir.toFile()).redirectErrorStream(true).start();
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      if (!p.waitFor(30, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new AssertionError(command + " failed:\n" + out);
      }
    } catch (IOException e) {
      throw new AssertionError("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
