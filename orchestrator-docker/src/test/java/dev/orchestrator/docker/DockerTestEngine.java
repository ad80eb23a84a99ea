package dev.orchestrator.docker;

import static org.assertj.core.api.Assertions.assertThat;

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
 * The real engine the Docker tests of every module run against (shipped in this module's
 * test-jar): checks once that it answers, failing loudly and never skipping, and builds the
 * BusyBox test image once per JVM, removing it at exit.
 */
public final class DockerTestEngine {
  /** The label key that marks what tests create; each module sets its own value. */
  public static final String TEST_LABEL = "dev.orchestrator.test";

  private static final long CLI_TIMEOUT_SECONDS = 60;
  private static final String IMAGE = "dev.orchestrator/test-busybox:" + randomId();
  private static boolean ready;

  private DockerTestEngine() {}

  /** A runtime on the local engine with test-friendly timeouts. */
  public static DockerRuntime.Builder runtimeBuilder() {
    return DockerRuntime.builder().responseTimeout(Duration.ofSeconds(20));
  }

  /** The BusyBox image, built on first use; fails with a clear message when no engine answers. */
  public static synchronized String image() {
    if (ready) {
      return IMAGE;
    }
    try (DockerRuntime runtime = runtimeBuilder().build()) {
      try {
        runtime.node();
      } catch (ContainerRuntimeException e) {
        throw new AssertionError("""
            No Docker Engine answers, so the Docker tests cannot run (they are never skipped).
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

  /** Eight random hex digits, for unique names and instance ids. */
  public static String randomId() {
    return HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
  }

  /** Runs the docker CLI (outside interference, a look from outside) and expects exit 0; returns its output. */
  public static String docker(String... args) {
    Result r = tryDocker(args);
    assertThat(r.exitCode()).as("docker %s: %s", String.join(" ", args), r.output()).isZero();
    return r.output();
  }

  /** Runs the docker CLI, bounded to 60 s; returns its exit code and output (stdout and stderr). */
  public static Result tryDocker(String... args) {
    List<String> command = new ArrayList<>(List.of("docker"));
    command.addAll(List.of(args));
    try {
      Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
      if (!p.waitFor(CLI_TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(command + " did not finish within " + CLI_TIMEOUT_SECONDS + " s");
      }
      return new Result(p.exitValue(), new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
    } catch (IOException e) {
      throw new AssertionError("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** A docker CLI run: exit code and output. */
  public record Result(int exitCode, String output) {}
}
