package dev.orchestrator.autoscale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orchestrator.autoscale.Decision.Reason;
import dev.orchestrator.spec.Resources;
import dev.orchestrator.spec.ServiceSpec;
import dev.orchestrator.time.ManualClock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicReference;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.Test;

class AutoscalerTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
  private final ManualClock clock = new ManualClock(T0);
  private final FakeService web = new FakeService("web", 2, Resources.NONE);
  private final List<AutoscaleEvent> events = new CopyOnWriteArrayList<>();
  /** The load per replica as if there were 2 replicas; it spreads over however many there are. */
  private final AtomicReference<Double> perReplica = new AtomicReference<>(100.0);
  private final MetricsSource source = service -> {
    Map<String, Double> values = new TreeMap<>();
    for (int i = 0; i < web.replicas(); i++) {
      values.put("web-" + i, perReplica.get() * 2 / web.replicas());
    }
    return MetricSample.perReplica(values);
  };

  private static AutoscalePolicy.Builder policy() {
    return AutoscalePolicy.builder(Target.averageValue(100)).replicas(1, 10);
  }

  private Autoscaler start(AutoscalePolicy policy, Scalable target, MetricsSource source) {
    Autoscaler a = Autoscaler.builder(target).clock(clock).service("web", policy, source).listener(events::add).build();
    a.start();
    awaitTicks(a);
    return a;
  }

  private void advance(Autoscaler a, int seconds) {
    for (int i = 0; i < seconds; i++) {
      clock.advance(Duration.ofSeconds(1));
      awaitTicks(a);
    }
  }

  private void awaitTicks(Autoscaler a) {
    Instant now = clock.instant();
    Awaitility.await().atMost(Duration.ofSeconds(10)).pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1))
        .until(() -> !a.evaluatedUpTo().isBefore(now));
  }

  private List<Long> eventSeconds() {
    return events.stream().map(e -> Duration.between(T0, e.time()).toSeconds()).toList();
  }

  @Test
  void decidesAtStartThenOncePerSyncPeriod() {
    try (Autoscaler a = start(policy().build(), web, source)) {
      advance(a, 31);
    }
    assertThat(eventSeconds()).containsExactly(0L, 15L, 30L);
    assertThat(events).allSatisfy(e -> assertThat(e.decision().reason()).isEqualTo(Reason.WITHIN_TOLERANCE));
  }

  @Test
  void appliesAScaleAndTellsTheListener() {
    perReplica.set(500.0);
    try (Autoscaler a = start(policy().build(), web, source)) {
      assertThat(web.replicas()).isEqualTo(6);
    }
    AutoscaleEvent e = events.get(0);
    assertThat(e.applied()).isTrue();
    assertThat(e.decision().currentReplicas()).isEqualTo(2);
    assertThat(e.decision().desiredReplicas()).isEqualTo(6);
    assertThat(e.decision().message()).contains("limited to 6 by the scale-up rate");
  }

  @Test
  void reactsAtOnceToASampleThatCrossesTheThreshold() {
    try (Autoscaler a = start(policy().reactImmediately(Duration.ofSeconds(1)).build(), web, source)) {
      advance(a, 3);
      perReplica.set(200.0);
      advance(a, 1);
      assertThat(web.replicas()).as("scaled at the first sample past the tolerance").isEqualTo(4);
      advance(a, 20);
    }
    assertThat(eventSeconds()).as("the sync period restarts from the reaction").containsExactly(0L, 4L, 19L);
  }

  @Test
  void aFailingSourceMeansNoMetricsAndIsReported() {
    try (Autoscaler a = start(policy().build(), web, service -> {
      throw new IllegalStateException("metrics backend down");
    })) {
      assertThat(events).hasSize(1);
    }
    AutoscaleEvent e = events.get(0);
    assertThat(e.decision().reason()).isEqualTo(Reason.NO_METRICS);
    assertThat(e.error()).isEqualTo("metrics: metrics backend down");
    assertThat(web.replicas()).isEqualTo(2);
  }

  @Test
  void aFailedScaleIsReportedAndNotCountedAgainstTheRateLimit() {
    Scalable refusing = new Scalable() {
      @Override
      public Optional<ServiceSpec> spec(String service) {
        return web.spec(service);
      }

      @Override
      public void scale(String service, int replicas) {
        throw new IllegalStateException("orchestrator is closed");
      }
    };
    perReplica.set(300.0);
    try (Autoscaler a = start(policy().build(), refusing, source)) {
      assertThat(events).hasSize(1);
    }
    assertThat(events.get(0).applied()).isFalse();
    assertThat(events.get(0).error()).isEqualTo("scale: orchestrator is closed");
  }

  @Test
  void anUndeclaredServiceIsSkippedUntilItExists() {
    FakeService other = new FakeService("other", 2, Resources.NONE);
    try (Autoscaler a = start(policy().build(), other, source)) {
      advance(a, 15);
    }
    assertThat(events).isEmpty();
  }

  @Test
  void closeStopsDecidingAndAStartedAutoscalerCannotStartAgain() {
    Autoscaler a = start(policy().build(), web, source);
    assertThatThrownBy(a::start).isInstanceOf(IllegalStateException.class);
    a.close();
    a.close();
    clock.advance(Duration.ofSeconds(60));
    assertThat(events).hasSize(1);
  }
}
