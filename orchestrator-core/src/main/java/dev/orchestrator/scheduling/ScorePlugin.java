package dev.orchestrator.scheduling;

import java.util.List;

/**
 * Ranks the nodes that passed every filter. Pure. A scheduling cycle asks each plugin for raw
 * scores (higher is better), lets it {@link #normalize} them to 0..100, multiplies by the
 * plugin's weight and adds up; the highest total wins, ties going to the smallest node name.
 */
public interface ScorePlugin {

  /** Names the plugin, e.g. "least-allocated". */
  String name();

  /**
   * Writes the raw score of {@code feasible.get(i)} to {@code scores[i]}. {@code nodes} is the
   * whole cluster, for plugins that count beyond one node (e.g. replicas per zone).
   */
  void score(PlacementRequest request, List<NodeSnapshot> nodes, List<NodeSnapshot> feasible, double[] scores);

  /** Maps raw scores to 0..100 in place; the default keeps them (for raw scores already in 0..100). */
  default void normalize(double[] scores) {}

  /** Min-max normalization to 0..100: the lowest raw score maps to 0, the highest to 100; all equal map to 100. */
  static void minMax(double[] scores) {
    double min = Double.POSITIVE_INFINITY;
    double max = Double.NEGATIVE_INFINITY;
    for (double s : scores) {
      min = Math.min(min, s);
      max = Math.max(max, s);
    }
    for (int i = 0; i < scores.length; i++) {
      scores[i] = max == min ? 100 : 100 * (scores[i] - min) / (max - min);
    }
  }
}
