package dev.orchestrator.docker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A second Docker Engine in its own network namespace, reached over TCP like a remote host:
 * a handle on {@code scripts/second-engine.sh}. Stopping it (SIGTERM) is a node failure;
 * starting it again keeps its data root. A partition drops every packet to it. {@link #close()} removes the daemon, the namespace,
 * the veth and the data, also from a shutdown hook if the test JVM dies first. Shipped in this
 * module's test-jar for the other modules' tests.
 *
 * <p>{@link #startTls()} starts it with mutual TLS ({@code dockerd --tlsverify} on port 2376) and
 * a throwaway CA; {@link #clientCertPath()} then holds a client's ca.pem, cert.pem and key.pem.
 */
public final class SecondEngine implements AutoCloseable {
  private static final long SCRIPT_TIMEOUT_SECONDS = 90;

  private final String name;
  private final boolean tls;
  private final Thread cleanup;
  private String host;

  private SecondEngine(String name, boolean tls) {
    this.name = name;
    this.tls = tls;
    this.cleanup = new Thread(() -> script("kill", name), "second-engine-cleanup-" + name);
  }

  /** Creates the namespace and starts the engine; cleans up and rethrows if that fails. */
  public static SecondEngine start() {
    return start(false);
  }

  /** Like {@link #start()}, with mutual TLS: dockerd {@code --tlsverify} on {@code tcp://10.250.X.2:2376}. */
  public static SecondEngine startTls() {
    return start(true);
  }

  private static SecondEngine start(boolean tls) {
    SecondEngine engine = new SecondEngine("oe" + DockerTestEngine.randomId().substring(0, 6), tls);
    Runtime.getRuntime().addShutdownHook(engine.cleanup);
    try {
      engine.startDaemon();
      return engine;
    } catch (RuntimeException | AssertionError e) {
      engine.close();
      throw e;
    }
  }

  /** The engine's address, {@code tcp://10.250.X.2:2375} ({@code :2376} with TLS). */
  public String host() {
    return host;
  }

  /** The engine's IP address, where its published ports answer. */
  public String address() {
    return host.substring("tcp://".length(), host.lastIndexOf(':'));
  }

  /** Starts the daemon (again), returning once it answers. */
  public void startDaemon() {
    List<String> out = (tls ? script("start", name, "--tls") : script("start", name)).lines().toList();
    host = out.get(out.size() - 1).strip();
  }

  /** With TLS: the client's certificates in docker's layout (ca.pem, cert.pem, key.pem). */
  public Path clientCertPath() {
    if (!tls) {
      throw new IllegalStateException("engine " + name + " runs without TLS");
    }
    return Path.of("/tmp", name, "client");
  }

  /** With TLS: the engine's own files (ca.pem, ca-key.pem, server-cert.pem, server-key.pem). */
  public Path serverTlsPath() {
    if (!tls) {
      throw new IllegalStateException("engine " + name + " runs without TLS");
    }
    return Path.of("/tmp", name, "tls");
  }

  /** SIGTERM to the daemon; returns once it has exited. */
  public void stopDaemon() {
    script("stop", name);
  }

  /** Cuts (true) or restores the network link to the engine; the daemon and its containers keep running. */
  public void partition(boolean cut) {
    script("partition", name, cut ? "on" : "off");
  }

  /** Copies an image from the main engine. */
  public void load(String image) {
    script("load", name, image);
  }

  /** Runs the docker CLI against this engine's unix socket (it answers there during a partition too). */
  public String docker(String... args) {
    List<String> command = new ArrayList<>(List.of("-H", "unix:///tmp/" + name + "/docker.sock"));
    command.addAll(List.of(args));
    return DockerTestEngine.docker(command.toArray(String[]::new));
  }

  @Override
  public void close() {
    script("kill", name);
    try {
      Runtime.getRuntime().removeShutdownHook(cleanup);
    } catch (IllegalStateException e) {
      // the JVM is already shutting down: the hook runs anyway
    }
  }

  private static String script(String... args) {
    List<String> command = new ArrayList<>(List.of(scriptPath().toString()));
    command.addAll(List.of(args));
    Path stdout = null;
    try {
      stdout = Files.createTempFile("second-engine", ".out");
      Process p = new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
      if (!p.waitFor(SCRIPT_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(command + " did not finish within " + SCRIPT_TIMEOUT_SECONDS + " s");
      }
      if (p.exitValue() != 0) {
        throw new AssertionError(command + " failed with exit code " + p.exitValue() + " (see its stderr above)");
      }
      return Files.readString(stdout, StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new AssertionError("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    } finally {
      if (stdout != null) {
        stdout.toFile().delete();
      }
    }
  }

  private static Path scriptPath() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path script = dir.resolve("scripts/second-engine.sh");
      if (Files.isExecutable(script)) {
        return script;
      }
    }
    throw new AssertionError("scripts/second-engine.sh not found above " + Path.of("").toAbsolutePath());
  }
}
