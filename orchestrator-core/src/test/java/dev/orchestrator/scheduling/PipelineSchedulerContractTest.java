package dev.orchestrator.scheduling;

import org.junit.jupiter.api.Nested;

/** The {@link SchedulerContract} for every ready-made pipeline and for one that scans. */
class PipelineSchedulerContractTest {
  @Nested
  class Spread extends SchedulerContract {
    @Override
    protected Scheduler scheduler() {
      return Schedulers.spread();
    }
  }

  @Nested
  class BinPack extends SchedulerContract {
    @Override
    protected Scheduler scheduler() {
      return Schedulers.binPack();
    }
  }

  @Nested
  class SpreadByZoneWithImageLocality extends SchedulerContract {
    @Override
    protected Scheduler scheduler() {
      return Schedulers.withDefaultFilters().score(Scores.leastAllocated(), 2).score(Scores.topologySpread("zone"), 1)
          .score(Scores.imageLocality(), 1).build();
    }
  }
}
