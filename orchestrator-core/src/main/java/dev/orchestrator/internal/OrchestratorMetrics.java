package dev.orchestrator.internal;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;

/**
 * The orchestrator's meters: reconcile duration, queue depth, replicas by state, restarts and
 * scheduling failures, tagged with the instance id. Without a registry every meter is a no-op
 * (an empty composite registry).
 */
final class OrchestratorMetrics {
  private final MeterRegistry registry;
  private final Tags tags;
  /** Pass timers by service, registered once (a registration per pass costs more than the pass). */
  private final Map<String, Timer> passes = new ConcurrentHashMap<>();
  private final Map<String, Timer> failedPasses = new ConcurrentHashMap<>();

  OrchestratorMetrics(MeterRegistry registry, String instanceId) {
    this.registry = registry == null ? new CompositeMeterRegistry() : registry;
    this.tags = Tags.of("instance", instanceId);
  }

  void gauges(Supplier<Integer> queueDepth, ToIntFunction<String> replicasInState) {
    Gauge.builder("orchestrator.queue.depth", queueDepth, q -> q.get()).tags(tags)
        .description("service keys waiting to be reconciled").register(registry);
    for (String state : new String[] {"desired", "ready", "starting", "backoff", "unschedulable"}) {
      Gauge.builder("orchestrator.replicas", () -> replicasInState.applyAsInt(state)).tags(tags.and("state", state))
          .description("replicas by state, over every service").register(registry);
    }
  }

  void reconciled(String service, Duration took, boolean failed) {
    (failed ? failedPasses : passes).computeIfAbsent(service, s -> Timer.builder("orchestrator.reconcile.duration")
        .tags(tags.and("service", s, "outcome", failed ? "error" : "ok")).register(registry)).record(took);
  }

  void restarted(String service) {
    Counter.builder("orchestrator.restarts").tags(tags.and("service", service)).register(registry).increment();
  }

  void unschedulable(String service) {
    Counter.builder("orchestrator.scheduling.failures").tags(tags.and("service", service)).register(registry).increment();
  }
}
