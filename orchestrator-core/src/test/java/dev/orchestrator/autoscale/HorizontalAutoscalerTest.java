package dev.orchestrator.autoscale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orchestrator.autoscale.Decision.Reason;
import dev.orchestrator.spec.Resources;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

class HorizontalAutoscalerTest {
  private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

  /** {@code "100;100;-"}: one value per reported replica; {@code "total:420"}: a service total; {@code ""}: nothing. */
  static MetricSample sample(String spec) {
    if (spec == null || spec.isBlank()) {
      return MetricSample.none();
    }
    if (spec.startsWith("total:")) {
      return MetricSample.total(Double.parseDouble(spec.substring(6)));
    }
    Map<String, Double> values = new LinkedHashMap<>();
    String[] parts = spec.split(";");
    for (int i = 0; i < parts.length; i++) {
      values.put("svc-" + i, Double.parseDouble(parts[i]));
    }
    return MetricSample.perReplica(values);
  }

  private static HorizontalAutoscaler hpa(int min, int max) {
    return new HorizontalAutoscaler(AutoscalePolicy.builder(Target.averageValue(100)).replicas(min, max).build());
  }

  @ParameterizedTest(name = "{0} replicas, values [{1}], bounds {2}..{3} -> {4} ({5})")
  @CsvSource({
      // current, values,            min, max, desired, reason
      "4, 100;100;100;100,             1, 10, 4,  WITHIN_TOLERANCE",   // ratio 1
      "4, 109;109;109;109,             1, 10, 4,  WITHIN_TOLERANCE",   // 1.09 <= 1 + 0.1
      "4, 91;91;91;91,                 1, 10, 4,  WITHIN_TOLERANCE",   // 0.91 >= 1 - 0.1
      "4, 111;111;111;111,             1, 10, 5,  METRIC",             // ceil(4 x 1.11)
      "4, 200;200;200;200,             1, 10, 8,  METRIC",             // doubling is within the default limit
      "4, 50;50;50;50,                 1, 10, 2,  METRIC",             // no earlier recommendation to hold it
      "4, 10;10;10;10,                 1, 10, 1,  METRIC",
      "4, 10;10;10;10,                 2, 10, 2,  AT_MIN",
      "4, 300;300;300;300,             1, 10, 8,  SCALE_UP_LIMITED",   // 12 wanted, max(4 + 4, 4 x 2) = 8
      "2, 500;500,                     1, 10, 6,  SCALE_UP_LIMITED",   // 10 wanted, max(2 + 4, 2 x 2) = 6
      "8, 200;200;200;200;200;200;200;200, 1, 10, 10, AT_MAX",        // 16 wanted, limit 16 >= max
      "12, 100,                        1, 10, 10, ABOVE_MAX",          // out of bounds: no metric needed
      "1, ,                            2, 10, 2,  BELOW_MIN",
      "0, 500,                         1, 10, 0,  DISABLED",
      "4, ,                            1, 10, 4,  NO_METRICS",
      "4, 200;200,                     1, 10, 4,  WITHIN_TOLERANCE",   // 2 missing as 0: (400 + 0) / 400 = 1
      "4, 200;200;200,                 1, 10, 6,  METRIC",             // 1 missing as 0: ceil(600 / 100)
      "4, 20;20,                       1, 10, 3,  METRIC",             // 2 missing as the target: ceil(240 / 100)
      "4, 85;85,                       1, 10, 4,  WITHIN_TOLERANCE",   // (170 + 200) / 400 = 0.925
      "4, 120,                         1, 10, 4,  WITHIN_TOLERANCE",   // 3 missing as 0 flip 1.2 to 0.3
      "4, total:420,                   1, 10, 4,  WITHIN_TOLERANCE",   // 420 / (4 x 100) = 1.05
      "4, total:150,                   1, 10, 2,  METRIC",
      "4, total:1000,                  1, 10, 8,  SCALE_UP_LIMITED",
  })
  void decidesLikeTheKubernetesRule(int current, String values, int min, int max, int desired, Reason reason) {
    Decision d = hpa(min, max).decide(current, sample(values), Resources.NONE, T0, ScalingHistory.empty());
    assertThat(d.desiredReplicas()).as(d.toString()).isEqualTo(desired);
    assertThat(d.reason()).as(d.toString()).isEqualTo(reason);
  }

  @Test
  void utilizationIsRelativeToTheRequestAndMissingReplicasCountAsTheFullRequestOnScaleDown() {
    HorizontalAutoscaler hpa = new HorizontalAutoscaler(AutoscalePolicy.builder(Target.cpuUtilization(50)).build());
    Resources requests = Resources.requests(200, 0);
    assertThat(hpa.decide(2, sample("150;150"), requests, T0, ScalingHistory.empty()).desiredReplicas())
        .as("150m of 200m is 75%% of the request, 1.5 x the 50%% target").isEqualTo(3);
    // 2 x 20m with 2 missing counted as 200m (100% of the request): 440 / (4 x 100) = 1.1 flips the direction
    Decision d = hpa.decide(4, sample("20;20"), requests, T0, ScalingHistory.empty());
    assertThat(d.desiredReplicas()).isEqualTo(4);
    assertThat(d.reason()).isEqualTo(Reason.WITHIN_TOLERANCE);
  }

  @Test
  void aUtilizationTargetNeedsARequest() {
    HorizontalAutoscaler hpa = new HorizontalAutoscaler(AutoscalePolicy.builder(Target.memoryUtilization(80)).build());
    assertThatThrownBy(() -> hpa.decide(2, sample("1;1"), Resources.NONE, T0, ScalingHistory.empty()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("memory request");
  }

  @Test
  void scaleDownWaitsForTheHighestRecommendationToLeaveTheWindow() {
    HorizontalAutoscaler hpa = hpa(1, 10);
    Decision d = hpa.decide(8, sample("100;100;100;100;100;100;100;100"), Resources.NONE, T0, ScalingHistory.empty());
    assertThat(d.desiredReplicas()).isEqualTo(8);
    ScalingHistory h = d.history();
    String low = "25;25;25;25;25;25;25;25";
    for (int s = 15; s < 300; s += 15) {
      d = hpa.decide(8, sample(low), Resources.NONE, T0.plusSeconds(s), h);
      assertThat(d.desiredReplicas()).as("at %d s: %s", s, d).isEqualTo(8);
      assertThat(d.reason()).isEqualTo(Reason.SCALE_DOWN_STABILIZED);
      h = d.history();
    }
    d = hpa.decide(8, sample(low), Resources.NONE, T0.plusSeconds(300), h);
    assertThat(d.desiredReplicas()).as("the recommendation of T0 is out of (T0, T0 + 300 s]: %s", d).isEqualTo(2);
  }

  @Test
  void scaleUpLimitCountsWhatWasAddedWithinThePeriod() {
    HorizontalAutoscaler hpa = hpa(1, 20);
    ScalingHistory h = ScalingHistory.empty();
    Decision d = hpa.decide(2, sample("500;500"), Resources.NONE, T0, h);
    assertThat(d.desiredReplicas()).isEqualTo(6);
    h = d.history().withScale(T0, 2, 6);
    d = hpa.decide(6, sample("500;500;500;500;500;500"), Resources.NONE, T0.plusSeconds(14), h);
    assertThat(d.desiredReplicas()).as("the period started at 2 replicas: %s", d).isEqualTo(6);
    assertThat(d.reason()).isEqualTo(Reason.SCALE_UP_LIMITED);
    d = hpa.decide(6, sample("500;500;500;500;500;500"), Resources.NONE, T0.plusSeconds(15), d.history());
    assertThat(d.desiredReplicas()).as("a new period from 6: max(6 + 4, 6 x 2): %s", d).isEqualTo(12);
  }

  @Test
  void scaleDownLimitCountsWhatWasRemovedWithinThePeriod() {
    HorizontalAutoscaler hpa = new HorizontalAutoscaler(AutoscalePolicy.builder(Target.averageValue(100)).replicas(1, 10)
        .scaleDownStabilization(Duration.ZERO).scaleDownLimit(new RateLimit(1, 10, Duration.ofSeconds(60))).build());
    String low = "10;10;10;10;10;10;10;10;10;10";
    Decision d = hpa.decide(10, sample(low), Resources.NONE, T0, ScalingHistory.empty());
    assertThat(d.desiredReplicas()).isEqualTo(9);
    assertThat(d.reason()).isEqualTo(Reason.SCALE_DOWN_LIMITED);
    ScalingHistory h = d.history().withScale(T0, 10, 9);
    d = hpa.decide(9, sample(low.substring(3)), Resources.NONE, T0.plusSeconds(30), h);
    assertThat(d.desiredReplicas()).as("still within the period that started at 10: %s", d).isEqualTo(9);
    d = hpa.decide(9, sample(low.substring(3)), Resources.NONE, T0.plusSeconds(60), d.history());
    assertThat(d.desiredReplicas()).isEqualTo(8);
  }

  @Test
  void scaleUpStabilizationTakesTheLowestRecommendationOfItsWindow() {
    HorizontalAutoscaler hpa = new HorizontalAutoscaler(AutoscalePolicy.builder(Target.averageValue(100)).replicas(1, 20)
        .scaleUpStabilization(Duration.ofSeconds(60)).build());
    Decision d = hpa.decide(2, sample("200;200"), Resources.NONE, T0, ScalingHistory.empty());
    assertThat(d.desiredReplicas()).isEqualTo(4);
    ScalingHistory h = d.history().withScale(T0, 2, 4);
    d = hpa.decide(4, sample("200;200;200;200"), Resources.NONE, T0.plusSeconds(10), h);
    assertThat(d.desiredReplicas()).as("8 recommended, 4 is the lowest of the window: %s", d).isEqualTo(4);
    assertThat(d.reason()).isEqualTo(Reason.SCALE_UP_STABILIZED);
    d = hpa.decide(4, sample("200;200;200;200"), Resources.NONE, T0.plusSeconds(60), d.history());
    assertThat(d.desiredReplicas()).isEqualTo(8);
  }

  @Test
  void noMetricsLeavesTheHistoryUntouched() {
    ScalingHistory h = ScalingHistory.empty().withScale(T0, 1, 3);
    Decision d = hpa(1, 10).decide(3, MetricSample.none(), Resources.NONE, T0.plusSeconds(15), h);
    assertThat(d.reason()).isEqualTo(Reason.NO_METRICS);
    assertThat(d.history()).isSameAs(h);
  }
}
