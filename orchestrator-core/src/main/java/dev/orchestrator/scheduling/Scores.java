package dev.orchestrator.scheduling;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The built-in {@link ScorePlugin}s. The allocation scores are kube-scheduler's LeastAllocated and
 * MostAllocated in floating point (no rounding to integers, so nearly empty nodes stay apart).
 */
public final class Scores {
  private Scores() {}

  /**
   * "least-allocated" (spread): the mean over CPU and memory of the percentage left free once the
   * replica is placed; a resource the node has none of counts as 100% free. In 0..100 on a node
   * that fits.
   */
  public static ScorePlugin leastAllocated() {
    return new AllocationScore("least-allocated", false);
  }

  /**
   * "most-allocated" (bin-pack): the mean over CPU and memory of the percentage in use once the
   * replica is placed; a resource the node has none of counts as 0% used. In 0..100 on a node that fits.
   */
  public static ScorePlugin mostAllocated() {
    return new AllocationScore("most-allocated", true);
  }

  /**
   * "topology-spread": prefers nodes whose domain (the value of {@code labelKey}; nodes without the
   * label form one domain) runs the fewest replicas of the service; min-max normalized, so the
   * emptiest domain scores 100 and the fullest 0.
   */
  public static ScorePlugin topologySpread(String labelKey) {
    return new TopologySpread(labelKey);
  }

  /** "image-locality": 100 on a node that already has the request's image, 0 elsewhere or without an image. */
  public static ScorePlugin imageLocality() {
    return new ImageLocality();
  }

  /** Names a built-in score in diagnoses and test output. */
  private abstract static class Named {
    @Override
    public String toString() {
      return ((ScorePlugin) this).name();
    }
  }

  /**
   * Linear in what is allocated, so on nodes of one size the order does not depend on the
   * request: what lets batch placement keep nodes in an index ordered by score.
   */
  static final class AllocationScore extends Named implements NodeScorePlugin {
    private final String name;
    private final boolean most;

    AllocationScore(String name, boolean most) {
      this.name = name;
      this.most = most;
    }

    @Override
    public String name() {
      return name;
    }

    @Override
    public double score(PlacementRequest request, NodeSnapshot node) {
      return raw(node.info().cpuMillis(), node.info().memoryBytes(),
          node.cpuAllocatedMillis() + request.resources().cpuMillis(),
          node.memoryAllocatedBytes() + request.resources().memoryBytes());
    }

    /** The score of a node of this capacity with this much allocated. */
    double raw(long cpuCapacity, long memoryCapacity, long cpuAllocated, long memoryAllocated) {
      return (percentUsed(cpuCapacity, cpuAllocated) + percentUsed(memoryCapacity, memoryAllocated)) / 2;
    }

    private double percentUsed(long capacity, long allocated) {
      if (capacity == 0) {
        return most ? 0 : 100;
      }
      double used = 100.0 * allocated / capacity;
      return most ? used : 100 - used;
    }
  }

  static final class TopologySpread extends Named implements ScorePlugin {
    private final String labelKey;

    TopologySpread(String labelKey) {
      this.labelKey = labelKey;
    }

    @Override
    public String name() {
      return "topology-spread";
    }

    @Override
    public void score(PlacementRequest request, List<NodeSnapshot> nodes, List<NodeSnapshot> feasible, double[] scores) {
      Map<String, Integer> perDomain = new HashMap<>();
      for (NodeSnapshot n : nodes) {
        perDomain.merge(n.info().labels().getOrDefault(labelKey, ""), n.replicasOf(request.service()), Integer::sum);
      }
      for (int i = 0; i < feasible.size(); i++) {
        scores[i] = -perDomain.get(feasible.get(i).info().labels().getOrDefault(labelKey, ""));
      }
    }

    @Override
    public void normalize(double[] scores) {
      ScorePlugin.minMax(scores);
    }
  }

  static final class ImageLocality extends Named implements NodeScorePlugin {
    @Override
    public String name() {
      return "image-locality";
    }

    @Override
    public double score(PlacementRequest request, NodeSnapshot node) {
      return !request.image().isEmpty() && node.images().contains(request.image()) ? 100 : 0;
    }
  }
}
