package dev.orchestrator.autoscale;

import java.util.Map;
import java.util.TreeMap;

/**
 * One reading of a service's metric: either a value per replica (CPU millicores, memory bytes,
 * requests per second, ...) or a single total for the whole service (a queue length, requests per
 * second at the load balancer). The unit is the {@link Target}'s.
 */
public sealed interface MetricSample {

  /**
   * Values of the replicas that reported one, by replica name. Replicas of the declared count
   * that are absent are <em>missing</em> and handled as Kubernetes does (see
   * {@link HorizontalAutoscaler}); no value at all means no metrics.
   */
  record PerReplica(Map<String, Double> values) implements MetricSample {
    public PerReplica {
      values.values().forEach(v -> {
        if (!Double.isFinite(v) || v < 0) {
          throw new IllegalArgumentException("a metric value must be finite and not negative, got " + v);
        }
      });
      values = java.util.Collections.unmodifiableMap(new TreeMap<>(values));
    }
  }

  /** One value for the whole service; the per-replica target applies to {@code value / replicas}. */
  record Total(double value) implements MetricSample {
    public Total {
      if (!Double.isFinite(value) || value < 0) {
        throw new IllegalArgumentException("a metric value must be finite and not negative, got " + value);
      }
    }
  }

  static MetricSample perReplica(Map<String, Double> values) {
    return new PerReplica(values);
  }

  static MetricSample total(double value) {
    return new Total(value);
  }

  /** No value: the autoscaler keeps the replica count. */
  static MetricSample none() {
    return new PerReplica(Map.of());
  }
}
