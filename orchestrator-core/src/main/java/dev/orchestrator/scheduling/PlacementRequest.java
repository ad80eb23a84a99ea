package dev.orchestrator.scheduling;

import dev.orchestrator.spec.PlacementConstraint;
import dev.orchestrator.spec.Resources;
import java.util.List;
import java.util.Objects;

/**
 * One replica to place.
 *
 * @param service the service name
 * @param slot the replica's slot
 * @param resources what it requests
 * @param constraints node-label rules it needs
 * @param preferredNode a node to prefer when it fits (e.g. where a per-replica volume lives), or empty
 */
public record PlacementRequest(String service, int slot, Resources resources, List<PlacementConstraint> constraints, String preferredNode) {
  public PlacementRequest {
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(resources, "resources");
    constraints = List.copyOf(constraints);
    preferredNode = preferredNode == null ? "" : preferredNode;
  }
}
