package dev.orchestrator.autoscale;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class AutoscalePolicyTest {
  @Test
  void defaultsAreKubernetesOwn() {
    AutoscalePolicy p = AutoscalePolicy.builder(Target.cpuUtilization(70)).build();
    assertThat(p.minReplicas()).isEqualTo(1);
    assertThat(p.maxReplicas()).isEqualTo(10);
    assertThat(p.tolerance()).isEqualTo(0.1);
    assertThat(p.scaleUpLimit()).isEqualTo(new RateLimit(4, 100, Duration.ofSeconds(15)));
    assertThat(p.scaleDownLimit()).isEqualTo(new RateLimit(0, 100, Duration.ofSeconds(15)));
    assertThat(p.scaleUpStabilization()).isZero();
    assertThat(p.scaleDownStabilization()).isEqualTo(Duration.ofSeconds(300));
    assertThat(p.syncPeriod()).isEqualTo(Duration.ofSeconds(15));
    assertThat(p.reactImmediately()).isFalse();
    assertThat(p.samplePeriod()).isEqualTo(p.syncPeriod());
  }

  @Test
  void toBuilderKeepsEveryField() {
    AutoscalePolicy p = AutoscalePolicy.builder(Target.averageValue(5)).replicas(2, 7).tolerance(0.05)
        .scaleUpLimit(new RateLimit(1, 0, Duration.ofSeconds(30))).scaleDownLimit(new RateLimit(2, 10, Duration.ofMinutes(1)))
        .scaleUpStabilization(Duration.ofSeconds(20)).scaleDownStabilization(Duration.ofSeconds(90))
        .syncPeriod(Duration.ofSeconds(10)).reactImmediately(Duration.ofSeconds(1)).build();
    assertThat(p.toBuilder().build()).isEqualTo(p);
  }

  @Test
  void reportsEveryProblemAtOnce() {
    assertThatThrownBy(() -> AutoscalePolicy.builder(Target.cpuUtilization(50)).replicas(3, 2).tolerance(1.5)
        .scaleDownStabilization(Duration.ofSeconds(-1)).reactImmediately(Duration.ofMinutes(1)).build())
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("1 <= min <= max").hasMessageContaining("tolerance")
        .hasMessageContaining("stabilization").hasMessageContaining("samplePeriod <= syncPeriod");
  }

  @Test
  void rateLimitsRoundInTheDirectionKubernetesDoes() {
    RateLimit up = new RateLimit(1, 10, Duration.ofSeconds(15));
    assertThat(up.upTo(10)).as("ceil(10 x 1.1) = 11, exactly").isEqualTo(11);
    assertThat(up.upTo(11)).as("ceil(11 x 1.1) = 13").isEqualTo(13);
    assertThat(up.upTo(3)).as("+1 beats +10% of 3").isEqualTo(4);
    RateLimit down = new RateLimit(1, 25, Duration.ofSeconds(15));
    assertThat(down.downTo(10)).as("floor(10 x 0.75) = 7").isEqualTo(7);
    assertThat(down.downTo(2)).as("floor(2 x 0.75) = 1 vs 2 - 1").isEqualTo(1);
    assertThatThrownBy(() -> new RateLimit(0, 0, Duration.ofSeconds(1))).isInstanceOf(IllegalArgumentException.class);
  }
}
