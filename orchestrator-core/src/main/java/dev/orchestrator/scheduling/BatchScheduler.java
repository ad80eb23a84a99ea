package dev.orchestrator.scheduling;

import java.util.List;

/** A {@link Scheduler} that can also place many replicas in one pass. */
public interface BatchScheduler extends Scheduler {

  /**
   * Places {@code requests} one after another (in request order unless the implementation
   * documents another batch order), each seeing the replicas placed before it, so that no node is
   * over-committed within the batch. Same result as {@link #place} one by one in that order with
   * {@link ClusterSnapshot#withPlacement(String, PlacementRequest)} after each placed replica (up
   * to ties between equally scored nodes). Results are in request order.
   */
  List<Placement> placeAll(List<PlacementRequest> requests, ClusterSnapshot snapshot);
}
