package dev.orchestrator.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.ContainerRuntimeException;
import dev.orchestrator.runtime.OwnerLabels;
import dev.orchestrator.spec.PortSpec;
import dev.orchestrator.spec.ServiceSpec;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The real engine the Docker tests run against: checks once that it answers (failing loudly,
 * never skipping) and builds the BusyBox test image once per JVM, removing it at exit. Every
 * container the tests create carries {@link #TEST_LABEL}.
 */
final class DockerTestSupport {
  /** Marks everything these tests create, so that cleanup touches nothing else. */
  static final String TEST_LABEL = "dev.orchestrator.test";
  static final String TEST_LABEL_VALUE = "orchestrator-docker";
  static final String MISSING_IMAGE = "dev.orchestrator/does-not-exist:1";

  private static final String IMAGE =
      "dev.orchestrator/docker-test-busybox:" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
  private static boolean ready;

  private DockerTestSupport() {}

  /** A runtime on the local engine with test-friendly timeouts. */
  static DockerRuntime.Builder runtimeBuilder() {
    return DockerRuntime.builder().responseTimeout(Duration.ofSeconds(20));
  }

  /** The BusyBox image, built on first use; fails with a clear message when no engine answers. */
  static synchronized String image() {
    if (ready) {
      return IMAGE;
    }
    try (DockerRuntime runtime = runtimeBuilder().build()) {
      try {
        runtime.node();
      } catch (ContainerRuntimeException e) {
        throw new AssertionError("""
            No Docker Engine answers, so the Docker adapter tests cannot run (they are never skipped).
            Start one with scripts/ensure-docker.sh (installs docker.io and busybox-static, starts dockerd).
            Cause:\s""" + e.getMessage(), e);
      }
      runtime.images().busybox(IMAGE);
    }
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      try (DockerRuntime runtime = runtimeBuilder().build()) {
        runtime.images().remove(IMAGE);
      }
    }));
    ready = true;
    return IMAGE;
  }

  static String randomId() {
    return HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
  }

  /** Ownership labels of one test plus the test marker. */
  static Map<String, String> labels(String instance, String service) {
    return Map.of(OwnerLabels.INSTANCE, instance, OwnerLabels.SERVICE, service, TEST_LABEL, TEST_LABEL_VALUE);
  }

  /** BusyBox httpd on 8080 serving /etc (so /hostname answers 200), printing "started" first. */
  static ServiceSpec httpd(String name) {
    return ServiceSpec.builder(name)
        .image(image())
        .command("sh", "-c", "echo started; exec httpd -f -p 8080 -h /etc")
        .port(PortSpec.tcp("http", 8080))
        .stopGracePeriod(Duration.ofSeconds(2))
        .build();
  }

  /** Runs a shell command, then exits by itself. */
  static ServiceSpec shell(String name, String script) {
    return ServiceSpec.builder(name).image(image()).command("sh", "-c", script).build();
  }

  /** Removes every test container of an instance (ours only: selected by its labels). */
  static void removeAll(DockerRuntime runtime, String instance) {
    for (ContainerInfo c : runtime.list(Map.of(OwnerLabels.INSTANCE, instance, TEST_LABEL, TEST_LABEL_VALUE))) {
      runtime.remove(c.id());
    }
  }

  /** Runs the docker CLI (for outside interference such as {@code docker kill}); returns its stdout. */
  static String docker(String... args) {
    List<String> command = new java.util.ArrayList<>(List.of("docker"));
    command.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(command + " did not finish within 30 s");
      }
      String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
      assertThat(p.exitValue()).as("%s: %s", command, out).isZero();
      return out;
    } catch (IOException e) {
      throw new AssertionError("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
