package dev.orchestrator.scheduling;

import java.util.List;

/** A {@link ScorePlugin} that scores each node on its own. */
public interface NodeScorePlugin extends ScorePlugin {

  /** The raw score of one feasible node; higher is better. */
  double score(PlacementRequest request, NodeSnapshot node);

  @Override
  default void score(PlacementRequest request, List<NodeSnapshot> nodes, List<NodeSnapshot> feasible, double[] scores) {
    for (int i = 0; i < feasible.size(); i++) {
      scores[i] = score(request, feasible.get(i));
    }
  }
}
