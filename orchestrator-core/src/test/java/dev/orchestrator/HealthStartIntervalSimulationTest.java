package dev.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestrator.simulation.SimulatedImage;
import dev.orchestrator.spec.HealthCheck;
import dev.orchestrator.spec.ServiceSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** A check's start interval: probed that often until it first passes, then at its interval. */
class HealthStartIntervalSimulationTest {
  private final AtomicInteger probes = new AtomicInteger();

  private SimHarness harness() {
    return new SimHarness(c -> c.image("slow:1", SimulatedImage.slowStarting(Duration.ofSeconds(2))), b -> b,
        node -> SimHarness.watched(node, call -> {
          if (call.equals("probe")) {
            probes.incrementAndGet();
          }
        }));
  }

  private static ServiceSpec web(HealthCheck readiness) {
    return ServiceSpec.builder("web").image("slow:1").port(8080).replicas(1).readiness(readiness).build();
  }

  @Test
  void a_replica_is_seen_ready_at_the_start_interval_and_then_probed_at_the_interval() throws InterruptedException {
    try (SimHarness h = harness()) {
      Instant applied = h.clock.instant();
      h.orchestrator.apply(web(HealthCheck.http(8080, "/ready").withInterval(Duration.ofSeconds(30))
          .withStartInterval(Duration.ofMillis(250))));
      h.converge(Duration.ofMillis(250), () -> h.ready("web", 1));

      assertThat(Duration.between(applied, h.clock.instant())).isLessThan(Duration.ofSeconds(4));
      int atReady = probes.get();
      assertThat(atReady).isGreaterThanOrEqualTo(8); // 2 s of warm-up probed every 250 ms
      for (int i = 0; i < 100; i++) { // 25 s: within one 30 s interval after the first pass
        h.clock.advance(Duration.ofMillis(250));
        Thread.sleep(5); // lets a due probe run and schedule its next one
      }
      assertThat(probes.get()).isLessThanOrEqualTo(atReady + 1);
      assertThat(h.ready("web", 1)).isTrue();
    }
  }

  @Test
  void without_a_start_interval_the_first_probe_after_warm_up_waits_a_whole_interval() {
    try (SimHarness h = harness()) {
      Instant applied = h.clock.instant();
      h.orchestrator.apply(web(HealthCheck.http(8080, "/ready").withInterval(Duration.ofSeconds(30))));
      h.await(() -> probes.get() >= 1); // the first probe, due at start, before the clock moves: it finds the replica warming up
      h.converge(Duration.ofMillis(500), () -> h.ready("web", 1));

      assertThat(Duration.between(applied, h.clock.instant())).isGreaterThanOrEqualTo(Duration.ofSeconds(30));
    }
  }
}
