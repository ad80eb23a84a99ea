package dev.orchestrator.scheduling;

import dev.orchestrator.spec.Toleration;
import dev.orchestrator.spec.PlacementConstraint;
import dev.orchestrator.spec.Resources;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * One replica to place.
 *
 * @param service the service name
 * @param slot the replica's slot
 * @param resources what it requests
 * @param constraints node-label rules it needs
 * @param preferredNode a node to prefer when it fits (e.g. where a per-replica volume lives), or empty
 * @param image the replica's image, or empty; scored by {@link Scores#imageLocality()}
 * @param tolerations the node taints it accepts
 * @param avoidServices services whose replicas it must not share a node with; include the own
 *     service for at most one replica per node
 * @param maxPerNode at most this many replicas of the service per node, 0 for no limit
 */
public record PlacementRequest(String service, int slot, Resources resources, List<PlacementConstraint> constraints,
    String preferredNode, String image, List<Toleration> tolerations, Set<String> avoidServices, int maxPerNode) {
  public PlacementRequest {
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(resources, "resources");
    constraints = List.copyOf(constraints);
    preferredNode = preferredNode == null ? "" : preferredNode;
    image = image == null ? "" : image;
    tolerations = List.copyOf(tolerations);
    avoidServices = Set.copyOf(avoidServices);
    if (maxPerNode < 0) {
      throw new IllegalArgumentException("maxPerNode must be >= 0: " + maxPerNode);
    }
  }

  /** A request without image, tolerations, anti-affinity or per-node limit. */
  public PlacementRequest(String service, int slot, Resources resources, List<PlacementConstraint> constraints, String preferredNode) {
    this(service, slot, resources, constraints, preferredNode, "", List.of(), Set.of(), 0);
  }

  public PlacementRequest withImage(String image) {
    return new PlacementRequest(service, slot, resources, constraints, preferredNode, image, tolerations, avoidServices, maxPerNode);
  }

  public PlacementRequest withTolerations(List<Toleration> tolerations) {
    return new PlacementRequest(service, slot, resources, constraints, preferredNode, image, tolerations, avoidServices, maxPerNode);
  }

  /** This request, kept off nodes running any replica of {@code services}. */
  public PlacementRequest avoiding(Set<String> services) {
    return new PlacementRequest(service, slot, resources, constraints, preferredNode, image, tolerations, services, maxPerNode);
  }

  public PlacementRequest withMaxPerNode(int maxPerNode) {
    return new PlacementRequest(service, slot, resources, constraints, preferredNode, image, tolerations, avoidServices, maxPerNode);
  }

  /** This request for another service. */
  PlacementRequest forService(String service) {
    return new PlacementRequest(service, slot, resources, constraints, preferredNode, image, tolerations, avoidServices, maxPerNode);
  }

  /**
   * What filters may look at during a batch: this request without its resources, slot and
   * preferred node. Requests with equal classes share one node index.
   */
  PlacementRequest placementClass() {
    return new PlacementRequest(service, 0, Resources.NONE, constraints, "", image, tolerations, avoidServices, maxPerNode);
  }
}
