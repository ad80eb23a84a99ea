package dev.orchestrator.autoscale;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A custom metric the application publishes as Micrometer gauges, tagged with the service name
 * (and, for per-replica values, the replica name). Gauges whose value is not a finite,
 * non-negative number (a collected object gives NaN) are skipped. Thread-safe.
 *
 * <pre>{@code
 * registry.gauge("queue.depth", Tags.of("service", "worker"), queue, Queue::size);
 * MetricsSource source = MicrometerGaugeSource.total(registry, "queue.depth", "service");
 * }</pre>
 */
public final class MicrometerGaugeSource implements MetricsSource {
  private final MeterRegistry registry;
  private final String gauge;
  private final String serviceTag;
  private final String replicaTag;

  private MicrometerGaugeSource(MeterRegistry registry, String gauge, String serviceTag, String replicaTag) {
    this.registry = Objects.requireNonNull(registry, "registry");
    this.gauge = Objects.requireNonNull(gauge, "gauge");
    this.serviceTag = Objects.requireNonNull(serviceTag, "serviceTag");
    this.replicaTag = replicaTag;
  }

  /** The sum of the gauges named {@code gauge} whose {@code serviceTag} is the service: a {@link MetricSample.Total}. */
  public static MicrometerGaugeSource total(MeterRegistry registry, String gauge, String serviceTag) {
    return new MicrometerGaugeSource(registry, gauge, serviceTag, null);
  }

  /** One value per gauge named {@code gauge} whose {@code serviceTag} is the service, by its {@code replicaTag}. */
  public static MicrometerGaugeSource perReplica(MeterRegistry registry, String gauge, String serviceTag, String replicaTag) {
    return new MicrometerGaugeSource(registry, gauge, serviceTag, Objects.requireNonNull(replicaTag, "replicaTag"));
  }

  @Override
  public MetricSample read(String service) {
    Map<String, Double> values = new TreeMap<>();
    double total = 0;
    boolean any = false;
    for (Gauge g : registry.find(gauge).tag(serviceTag, service).gauges()) {
      double v = g.value();
      if (!Double.isFinite(v) || v < 0) {
        continue;
      }
      any = true;
      total += v;
      if (replicaTag != null && g.getId().getTag(replicaTag) != null) {
        values.merge(g.getId().getTag(replicaTag), v, Double::sum);
      }
    }
    if (replicaTag != null) {
      return MetricSample.perReplica(values);
    }
    return any ? MetricSample.total(total) : MetricSample.none();
  }
}
