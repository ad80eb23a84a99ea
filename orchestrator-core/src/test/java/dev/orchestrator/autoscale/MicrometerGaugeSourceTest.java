package dev.orchestrator.autoscale;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class MicrometerGaugeSourceTest {
  private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

  @Test
  void sumsTheServicesGaugesIntoATotal() {
    AtomicInteger depth = registry.gauge("queue.depth", Tags.of("service", "worker", "queue", "a"), new AtomicInteger(30));
    registry.gauge("queue.depth", Tags.of("service", "worker", "queue", "b"), new AtomicInteger(12));
    registry.gauge("queue.depth", Tags.of("service", "other"), new AtomicInteger(1000));
    MicrometerGaugeSource source = MicrometerGaugeSource.total(registry, "queue.depth", "service");
    assertThat(source.read("worker")).isEqualTo(MetricSample.total(42));
    depth.set(8);
    assertThat(source.read("worker")).as("read live at every sample").isEqualTo(MetricSample.total(20));
    assertThat(source.read("absent")).isEqualTo(MetricSample.none());
  }

  @Test
  void readsOneValuePerReplicaAndSkipsValuesThatAreNotNumbers() {
    registry.gauge("inflight", Tags.of("service", "web", "replica", "web-0"), new AtomicInteger(3));
    registry.gauge("inflight", Tags.of("service", "web", "replica", "web-1"), new AtomicInteger(5));
    registry.gauge("inflight", Tags.of("service", "web", "replica", "web-2"), Double.NaN, v -> v);
    MicrometerGaugeSource source = MicrometerGaugeSource.perReplica(registry, "inflight", "service", "replica");
    assertThat(source.read("web")).isEqualTo(MetricSample.perReplica(Map.of("web-0", 3.0, "web-1", 5.0)));
  }
}
