package dev.orchestrator.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Runs the QuickStart tour in-process, once on real worker processes and once on real Docker containers. */
class QuickStartTest {

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void onLocalProcessesTheTourScalesHealsAndLeavesNoProcessBehind() throws Exception {
    QuickStart.Summary summary;
    try (ProcessBackend backend = ProcessBackend.create()) {
      summary = new QuickStart(backend, System.out).run();
    }
    check(summary);
    assertThat(summary.workers()).as("no worker pid is alive")
        .noneMatch(pid -> ProcessHandle.of(Long.parseLong(pid)).map(ProcessHandle::isAlive).orElse(false));
  }

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void onDockerTheTourScalesHealsAndLeavesNoContainerBehind() throws Exception {
    QuickStart.Summary summary;
    try (DockerBackend backend = DockerBackend.connect().orElseThrow(
        () -> new AssertionError("no Docker Engine answers: scripts/test.sh starts one (scripts/ensure-docker.sh)"))) {
      summary = new QuickStart(backend, System.out).run();
    }
    check(summary);
  }

  private static void check(QuickStart.Summary summary) {
    assertThat(summary.endpointCounts()).as("ready endpoints: start, after the crash, scaled up, scaled down")
        .containsExactly(3, 3, 5, 2);
    assertThat(summary.replacementWorker()).as("the crashed worker was replaced by another one")
        .isNotBlank()
        .isNotEqualTo(summary.killedWorker());
    assertThat(summary.workers()).contains(summary.killedWorker(), summary.replacementWorker());
    assertThat(summary.survivors()).as("workers alive after close").isEmpty();
  }
}
