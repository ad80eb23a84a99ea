package dev.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestrator.autoscale.AutoscaleEvent;
import dev.orchestrator.autoscale.AutoscalePolicy;
import dev.orchestrator.autoscale.Autoscaler;
import dev.orchestrator.autoscale.Decision.Reason;
import dev.orchestrator.autoscale.RuntimeStatsSource;
import dev.orchestrator.autoscale.Target;
import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.ContainerStats;
import dev.orchestrator.spec.HealthCheck;
import dev.orchestrator.spec.Resources;
import dev.orchestrator.spec.ServiceSpec;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The autoscaler end to end on the simulator: CPU usage set per container drives the replica count. */
class AutoscalingSimulationTest {
  private SimHarness h;

  private static ServiceSpec web(int replicas) {
    return ServiceSpec.builder("web").image("web:1").port(8080).replicas(replicas)
        .resources(Resources.requests(500, 256 * Resources.MIB))
        .readiness(HealthCheck.http(8080, "/ready").withInterval(Duration.ofSeconds(1)))
        .build();
  }

  @AfterEach
  void tearDown() {
    SimHarness.closeChecked(h);
  }

  /** Spreads a total CPU demand evenly over the service's running containers. */
  private void load(long totalMillis) {
    List<ContainerInfo> running = h.running("web");
    running.forEach(c -> h.cluster.setUsage(c.id(), totalMillis / running.size(), 100 * Resources.MIB));
  }

  private int declared() {
    return h.orchestrator.spec("web").orElseThrow().replicas();
  }

  @Test
  void usageReportsEveryRunningReplicaAndLeavesOutANodeThatTimesOut() {
    h = new SimHarness();
    h.orchestrator.apply(web(3));
    h.converge(() -> h.ready("web", 3));
    h.running("web").forEach(c -> h.cluster.setUsage(c.id(), 321, 64 * Resources.MIB));
    Map<String, ContainerStats> usage = h.orchestrator.usage("web");
    assertThat(usage).containsOnlyKeys("web-0", "web-1", "web-2");
    assertThat(usage.values()).allSatisfy(s -> {
      assertThat(s.cpuMillis()).isEqualTo(321);
      assertThat(s.memoryBytes()).isEqualTo(64 * Resources.MIB);
    });
    assertThat(h.orchestrator.usage("absent")).isEmpty();

    ReplicaStatus first = h.orchestrator.status("web").replicas().get(0);
    h.cluster.timeOutNextCalls(first.node(), "stats", 1, false);
    assertThat(h.orchestrator.usage("web")).hasSize(2).doesNotContainKey(first.replica());
  }

  @Test
  void scalesUpWithinTheRateLimitAndDownOnlyAfterTheStabilizationWindow() {
    h = new SimHarness();
    h.orchestrator.apply(web(2));
    h.converge(() -> h.ready("web", 2));
    List<AutoscaleEvent> events = new CopyOnWriteArrayList<>();
    // 50% of a 500m request: 250m per replica; bounds 2..10; Kubernetes' defaults otherwise
    AutoscalePolicy policy = AutoscalePolicy.builder(Target.cpuUtilization(50)).replicas(2, 10).build();
    try (Autoscaler autoscaler = Autoscaler.builder(h.orchestrator).clock(h.clock)
        .service("web", policy, RuntimeStatsSource.cpu(h.orchestrator)).listener(events::add).build()) {
      load(400);
      autoscaler.start();
      h.await(() -> !events.isEmpty());
      assertThat(events.get(0).decision().scales()).as("%s", events.get(0)).isFalse();

      // 4000m wants 16 replicas: +4 or +100% per 15 s gives 6, then 12, capped at 10
      h.converge(Duration.ofSeconds(1), () -> {
        load(4000);
        return h.ready("web", 10);
      });
      List<AutoscaleEvent> ups = events.stream().filter(AutoscaleEvent::applied).toList();
      assertThat(ups).extracting(e -> e.decision().desiredReplicas()).containsExactly(6, 10);
      assertThat(ups).extracting(e -> e.decision().reason()).containsExactly(Reason.SCALE_UP_LIMITED, Reason.AT_MAX);
      assertThat(Duration.between(ups.get(0).time(), ups.get(1).time())).isGreaterThanOrEqualTo(Duration.ofSeconds(15));

      // 500m wants 2 replicas, but not before the high recommendations have left the 300 s window
      Instant fall = h.clock.instant();
      h.converge(Duration.ofSeconds(5), () -> {
        load(500);
        return declared() == 2;
      });
      AutoscaleEvent down = events.stream().filter(e -> e.applied() && e.decision().desiredReplicas() == 2).findFirst().orElseThrow();
      List<AutoscaleEvent> before = events.stream()
          .filter(e -> !e.time().isBefore(ups.get(1).time()) && e.time().isBefore(down.time())).toList();
      assertThat(before).as("held at 10 until the window passed").allSatisfy(e -> assertThat(e.decision().desiredReplicas()).isEqualTo(10));
      Instant lastHigh = before.stream().filter(e -> e.decision().reason() != Reason.SCALE_DOWN_STABILIZED)
          .map(AutoscaleEvent::time).max(Instant::compareTo).orElseThrow();
      assertThat(Duration.between(lastHigh, down.time())).isGreaterThanOrEqualTo(Duration.ofSeconds(300));
      assertThat(Duration.between(fall, down.time())).isGreaterThanOrEqualTo(Duration.ofSeconds(285));
      assertThat(before).anyMatch(e -> e.decision().reason() == Reason.SCALE_DOWN_STABILIZED);
      h.converge(() -> h.ready("web", 2));
    }
  }
}
