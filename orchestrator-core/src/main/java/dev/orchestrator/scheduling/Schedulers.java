package dev.orchestrator.scheduling;

/** Ready-made {@link PipelineScheduler}s and a builder preloaded with the built-in filters. */
public final class Schedulers {
  private Schedulers() {}

  /** Built-in filters, then least-allocated: replicas go to the emptiest node that fits. */
  public static PipelineScheduler spread() {
    return withDefaultFilters().score(Scores.leastAllocated(), 1).build();
  }

  /**
   * Built-in filters, then most-allocated: replicas go to the fullest node that fits; a batch is
   * placed round-robin across services ({@link PipelineScheduler.Builder#interleaveServices()}).
   */
  public static PipelineScheduler binPack() {
    return withDefaultFilters().score(Scores.mostAllocated(), 1).interleaveServices().build();
  }

  /** A builder with every built-in filter: ready, constraints, taints, resources, anti-affinity. */
  public static PipelineScheduler.Builder withDefaultFilters() {
    return PipelineScheduler.builder()
        .filter(Filters.ready())
        .filter(Filters.constraints())
        .filter(Filters.taints())
        .filter(Filters.resources())
        .filter(Filters.antiAffinity());
  }

  /** An empty builder: add filters and weighted scores. */
  public static PipelineScheduler.Builder builder() {
    return PipelineScheduler.builder();
  }
}
