package dev.orchestrator.examples;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/** Runs the QuickStart tour in-process, with real worker processes. */
class QuickStartTest {

  @Test
  @Timeout(value = 4, unit = TimeUnit.MINUTES)
  void the_tour_scales_heals_and_leaves_no_process_behind() throws Exception {
    QuickStart.Summary summary;
    try (ProcessBackend backend = ProcessBackend.create()) {
      summary = new QuickStart(backend, System.out).run();
    }

    assertThat(summary.endpointCounts()).as("ready endpoints: start, after the crash, scaled up, scaled down")
        .containsExactly(3, 3, 5, 2);
    assertThat(summary.replacementPid()).as("the crashed worker was replaced by another process")
        .isPositive()
        .isNotEqualTo(summary.killedPid());
    assertThat(summary.workerPids()).contains(summary.killedPid(), summary.replacementPid());
    assertThat(summary.survivors()).as("workers alive after close").isEmpty();
    assertThat(summary.workerPids()).as("no worker pid is alive")
        .noneMatch(pid -> ProcessHandle.of(pid).map(ProcessHandle::isAlive).orElse(false));
  }
}
