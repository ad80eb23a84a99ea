package dev.orchestrator.scheduling;

/**
 * Decides where a replica runs. Pure: reads an immutable {@link ClusterSnapshot}, returns a
 * {@link Placement}, changes nothing. The caller commits the decision.
 */
@FunctionalInterface
public interface Scheduler {

  /** Chooses a node for the replica, or explains for every node why it cannot take it. */
  Placement place(PlacementRequest request, ClusterSnapshot snapshot);
}
