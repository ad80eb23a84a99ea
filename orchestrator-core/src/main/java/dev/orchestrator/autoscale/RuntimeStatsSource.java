package dev.orchestrator.autoscale;

import dev.orchestrator.Orchestrator;
import dev.orchestrator.runtime.ContainerStats;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.ToLongFunction;

/**
 * CPU (millicores) or memory (bytes) of a service's running replicas, read through
 * {@link Orchestrator#usage} from each node's {@code ContainerRuntime.stats} under the call
 * timeout. Replicas that are not running, or whose node does not answer, are missing. Pair it
 * with a {@link Target#cpuUtilization} / {@link Target#memoryUtilization} target (or an
 * {@link Target#averageValue} in millicores or bytes). Thread-safe.
 */
public final class RuntimeStatsSource implements MetricsSource {
  private final Orchestrator orchestrator;
  private final ToLongFunction<ContainerStats> metric;

  private RuntimeStatsSource(Orchestrator orchestrator, ToLongFunction<ContainerStats> metric) {
    this.orchestrator = Objects.requireNonNull(orchestrator, "orchestrator");
    this.metric = metric;
  }

  /** CPU usage per replica, in millicores. */
  public static RuntimeStatsSource cpu(Orchestrator orchestrator) {
    return new RuntimeStatsSource(orchestrator, ContainerStats::cpuMillis);
  }

  /** Resident memory per replica, in bytes. */
  public static RuntimeStatsSource memory(Orchestrator orchestrator) {
    return new RuntimeStatsSource(orchestrator, ContainerStats::memoryBytes);
  }

  @Override
  public MetricSample read(String service) {
    Map<String, Double> values = new TreeMap<>();
    orchestrator.usage(service).forEach((replica, stats) -> values.put(replica, (double) metric.applyAsLong(stats)));
    return MetricSample.perReplica(values);
  }
}
