package dev.orchestrator.scheduling;

/**
 * Decides whether one node can take a replica. Pure: reads the request and the node only.
 *
 * <p>{@link #check} runs on the placement path for every candidate node and must not build
 * strings; {@link #filter} gives the full {@link Status} with its reason and runs only to explain
 * a replica that fits nowhere. Both must agree on the code. A plugin that throws is reported as
 * an {@link Status.Code#ERROR}.
 *
 * <p>Batch placement ({@link BatchScheduler#placeAll}) evaluates a filter once per node and
 * placement class (the request without resources, slot and preferred node) and again when a
 * replica is placed on the node, if {@link #changesWithPlacements} says so. Resource amounts are
 * the business of {@link Filters#resources()} alone: other filters must not read them.
 */
public interface FilterPlugin {

  /** Names the plugin in diagnoses, e.g. "resources". */
  String name();

  /** The verdict with its reason, e.g. "insufficient memory: requested 512 MiB, free 256 MiB". */
  Status filter(PlacementRequest request, NodeSnapshot node);

  /** The verdict alone; override to skip building the reason. */
  default Status.Code check(PlacementRequest request, NodeSnapshot node) {
    return filter(request, node).code();
  }

  /**
   * Whether the verdict for this request may change when replicas are placed on the node (e.g.
   * anti-affinity); false lets batch placement skip re-evaluating it. Defaults to true.
   */
  default boolean changesWithPlacements(PlacementRequest request) {
    return true;
  }
}
