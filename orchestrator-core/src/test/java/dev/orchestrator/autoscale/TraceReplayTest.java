package dev.orchestrator.autoscale;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestrator.autoscale.Decision.Reason;
import dev.orchestrator.spec.Resources;
import dev.orchestrator.time.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

/**
 * Replays the recorded trace through the {@link Autoscaler} on a manual clock and checks that it
 * makes exactly the decisions of {@link ReferenceHpa}, tick by tick.
 */
class TraceReplayTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private static final Resources REQUESTS = Resources.requests(500, 0);
  private static final List<Trace.Row> ROWS = Trace.read();

  @Test
  void theRecordedTraceIsTheGeneratorsOutput() {
    assertThat(Trace.toCsv(ROWS)).isEqualTo(Trace.toCsv(Trace.generate(42)));
    assertThat(ROWS).hasSize(Trace.DURATION / Trace.STEP);
  }

  @Test
  void defaultPolicyMakesTheReferenceDecisions() {
    // CPU at 60% of a 500m request: 300m per replica; Kubernetes' defaults otherwise
    AutoscalePolicy policy = AutoscalePolicy.builder(Target.cpuUtilization(60)).replicas(2, 30).build();
    ReferenceHpa.Config reference = new ReferenceHpa.Config(2, 30, 0.1, 300, 500,
        4, 100, 15, 0, 100, 15, 0, 300, 15, 15, false);
    List<AutoscaleEvent> events = replay(policy);
    assertThat(decisions(events)).isEqualTo(reference(reference));
    assertThat(reasons(events)).contains(Reason.METRIC, Reason.SCALE_UP_LIMITED, Reason.SCALE_DOWN_STABILIZED, Reason.WITHIN_TOLERANCE,
        Reason.NO_METRICS);
    assertThat(events.stream().filter(e -> e.decision().scales()).count()).as("scale changes").isGreaterThanOrEqualTo(6);
  }

  @Test
  void tightLimitsAndImmediateReactionMakeTheReferenceDecisions() {
    AutoscalePolicy policy = AutoscalePolicy.builder(Target.averageValue(250)).replicas(1, 25).tolerance(0.05)
        .scaleUpLimit(new RateLimit(2, 50, Duration.ofSeconds(30))).scaleDownLimit(new RateLimit(1, 20, Duration.ofSeconds(60)))
        .scaleUpStabilization(Duration.ofSeconds(20)).scaleDownStabilization(Duration.ofSeconds(120))
        .reactImmediately(Duration.ofSeconds(5)).build();
    ReferenceHpa.Config reference = new ReferenceHpa.Config(1, 25, 0.05, 250, 250,
        2, 50, 30, 1, 20, 60, 20, 120, 15, 5, true);
    List<AutoscaleEvent> events = replay(policy);
    assertThat(decisions(events)).isEqualTo(reference(reference));
    assertThat(reasons(events)).contains(Reason.SCALE_UP_LIMITED, Reason.SCALE_DOWN_LIMITED, Reason.SCALE_UP_STABILIZED,
        Reason.SCALE_DOWN_STABILIZED);
    assertThat(events).as("some decisions react between sync periods")
        .anyMatch(e -> seconds(e.time()) % 15 != 0 && e.decision().scales());
  }

  private static List<AutoscaleEvent> replay(AutoscalePolicy policy) {
    ManualClock clock = new ManualClock(T0);
    FakeService web = new FakeService("web", 2, REQUESTS);
    List<AutoscaleEvent> events = new CopyOnWriteArrayList<>();
    MetricsSource source = service -> Trace.sample(ROWS.get(seconds(clock.instant()) / Trace.STEP), web.replicas());
    try (Autoscaler autoscaler = Autoscaler.builder(web).clock(clock).service("web", policy, source).listener(events::add).build()) {
      autoscaler.start();
      awaitTicks(autoscaler, clock);
      for (int t = Trace.STEP; t < Trace.DURATION; t += Trace.STEP) {
        clock.advance(Duration.ofSeconds(Trace.STEP));
        awaitTicks(autoscaler, clock);
      }
    }
    return events;
  }

  private static void awaitTicks(Autoscaler autoscaler, ManualClock clock) {
    Instant now = clock.instant();
    Awaitility.await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
        .until(() -> !autoscaler.evaluatedUpTo().isBefore(now));
  }

  private static List<String> reference(ReferenceHpa.Config config) {
    ReferenceHpa hpa = new ReferenceHpa(config);
    List<String> out = new ArrayList<>();
    int replicas = 2;
    for (int t = 0; t < Trace.DURATION; t += hpa.tickEvery()) {
      int desired = hpa.tick(t, replicas, Trace.values(ROWS.get(t / Trace.STEP), replicas));
      if (desired >= 0) {
        out.add(t + "s " + replicas + "->" + desired);
        replicas = desired;
      }
    }
    return out;
  }

  private static List<String> decisions(List<AutoscaleEvent> events) {
    return events.stream().map(e -> seconds(e.time()) + "s " + e.decision().currentReplicas() + "->" + e.decision().desiredReplicas()).toList();
  }

  private static List<Reason> reasons(List<AutoscaleEvent> events) {
    return events.stream().map(e -> e.decision().reason()).distinct().toList();
  }

  private static int seconds(Instant t) {
    return (int) Duration.between(T0, t).toSeconds();
  }
}
