package dev.orchestrator.scheduling;

import java.util.List;
import java.util.Optional;
import java.util.stream.Collectors;

/**
 * A scheduling decision: the chosen node, or a diagnosis naming each rejected node and why.
 *
 * @param node the chosen node, or empty when the replica fits nowhere
 * @param rejections for every node that could not take the replica, the reason with numbers
 */
public record Placement(Optional<String> node, List<Rejection> rejections) {
  public Placement {
    rejections = List.copyOf(rejections);
  }

  public static Placement on(String node) {
    return new Placement(Optional.of(node), List.of());
  }

  public static Placement unschedulable(List<Rejection> rejections) {
    return new Placement(Optional.empty(), rejections);
  }

  public boolean placed() {
    return node.isPresent();
  }

  /** True when a plugin failed (rather than a node not fitting); see {@link Rejection#error()}. */
  public boolean failed() {
    return rejections.stream().anyMatch(Rejection::error);
  }

  /** "node-1: insufficient memory: requested 512 MiB, free 256 MiB; node-2: ..." */
  public String diagnosis() {
    if (placed()) {
      return "placed on " + node.get();
    }
    if (rejections.isEmpty()) {
      return "no nodes";
    }
    return rejections.stream().map(Rejection::toString).collect(Collectors.joining("; "));
  }

  /**
   * Why one node cannot take a replica.
   *
   * @param node the node
   * @param filter the plugin that rejected it (e.g. "resources", "constraints", "ready")
   * @param reason the reason with numbers
   * @param error true when the plugin failed to decide (a {@link Status.Code#ERROR}), false when
   *     the node does not fit
   */
  public record Rejection(String node, String filter, String reason, boolean error) {
    /** The node does not fit. */
    public Rejection(String node, String filter, String reason) {
      this(node, filter, reason, false);
    }

    @Override
    public String toString() {
      return error ? node + ": error in " + filter + ": " + reason : node + ": " + reason;
    }
  }
}
