package dev.orchestrator.scheduling;

class SpreadSchedulerContractTest extends SchedulerContract {
  @Override
  protected Scheduler scheduler() {
    return new SpreadScheduler();
  }
}
