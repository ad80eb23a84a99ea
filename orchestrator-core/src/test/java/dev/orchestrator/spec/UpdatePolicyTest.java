package dev.orchestrator.spec;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class UpdatePolicyTest {
  private final SpecValidator validator = new SpecValidator(SpecValidator.Options.defaults());

  private List<String> problems(UpdatePolicy policy) {
    return validator.check(ServiceSpec.builder("web").image("web").updatePolicy(policy).build()).stream()
        .map(v -> v.path() + "=" + v.value()).toList();
  }

  @Test
  void percentagesRoundSurgeUpAndUnavailableDownLikeKubernetes() {
    UpdatePolicy p = UpdatePolicy.builder().maxSurgePercent(25).maxUnavailablePercent(25).build();
    assertThat(p.surge(10)).isEqualTo(3);
    assertThat(p.unavailable(10)).isEqualTo(2);
    assertThat(p.surge(1)).isEqualTo(1);
    assertThat(p.unavailable(3)).isEqualTo(0);
    assertThat(UpdatePolicy.builder().maxSurgePercent(0).maxUnavailablePercent(10).build().unavailable(3))
        .as("both come to 0 for 3 replicas: one may be unavailable so that the rollout can move").isEqualTo(1);
  }

  @Test
  void theDefaultReplacesOneAtATimeNeverBelowTheDeclaredCount() {
    UpdatePolicy d = UpdatePolicy.defaults();
    assertThat(d.surge(7)).isEqualTo(1);
    assertThat(d.unavailable(7)).isZero();
    assertThat(d.order()).isEqualTo(UpdatePolicy.Order.START_FIRST);
    assertThat(d.onFailure()).isEqualTo(UpdatePolicy.FailureAction.PAUSE);
    assertThat(problems(d)).isEmpty();
  }

  @Test
  void thePolicyIsNotPartOfTheSpecHashButOfItsEquality() {
    ServiceSpec a = ServiceSpec.builder("web").image("web").build();
    ServiceSpec b = a.toBuilder().updatePolicy(UpdatePolicy.builder().maxSurge(3).build()).build();
    assertThat(b.specHash()).isEqualTo(a.specHash());
    assertThat(b).isNotEqualTo(a);
  }

  @Test
  void everyBadFieldIsNamedWithItsValue() {
    assertThat(problems(UpdatePolicy.builder().maxSurge(-1).maxUnavailablePercent(101).minReady(Duration.ofSeconds(-1))
        .onFailure(UpdatePolicy.FailureAction.ROLLBACK, 0).progressDeadline(Duration.ZERO).build()))
        .containsExactly("updatePolicy.maxSurge=-1", "updatePolicy.maxUnavailable=101%", "updatePolicy.minReady=PT-1S",
            "updatePolicy.failureThreshold=0", "updatePolicy.progressDeadline=PT0S");
    assertThat(problems(UpdatePolicy.builder().maxSurge(0).maxUnavailablePercent(0).build()))
        .containsExactly("updatePolicy.maxUnavailable=0%");
    assertThat(problems(UpdatePolicy.builder().minReady(Duration.ofMinutes(10)).build()))
        .as("the deadline must leave room for minReady").containsExactly("updatePolicy.progressDeadline=PT10M");
  }
}
