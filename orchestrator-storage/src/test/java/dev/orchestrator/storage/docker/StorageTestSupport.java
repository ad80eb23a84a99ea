package dev.orchestrator.storage.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestrator.docker.DockerRuntime;
import dev.orchestrator.runtime.ContainerRuntimeException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * The real engine the storage tests run against: checks once that it answers (failing loudly,
 * never skipping) and builds a BusyBox image once per JVM, removed at exit. Everything the tests
 * create carries {@link #TEST_LABEL}.
 */
final class StorageTestSupport {
  static final String TEST_LABEL = "dev.orchestrator.test";
  static final String TEST_LABEL_VALUE = "orchestrator-storage";
  private static final String IMAGE = "dev.orchestrator/storage-test-busybox:" + randomId();
  private static boolean ready;

  private StorageTestSupport() {}

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
        throw new AssertionError("No Docker Engine answers, so the storage tests cannot run (they are never skipped)."
            + " Start one with scripts/ensure-docker.sh. Cause: " + e.getMessage(), e);
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

  /** Runs the docker CLI (outside interference, inspection); returns its stdout and stderr, asserting exit 0. */
  static String docker(String... args) {
    Result r = tryDocker(args);
    assertThat(r.exit()).as("docker %s: %s", String.join(" ", args), r.output()).isZero();
    return r.output();
  }

  record Result(int exit, String output) {}

  /** Runs the docker CLI, bounded to 60 s; returns its exit code and output. */
  static Result tryDocker(String... args) {
    List<String> command = new ArrayList<>(List.of("docker"));
    command.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(command + " did not finish within 60 s");
      }
      return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
    } catch (IOException e) {
      throw new AssertionError("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }
}
