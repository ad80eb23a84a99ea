package dev.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestrator.runtime.OwnerLabels;
import dev.orchestrator.simulation.SimulatedImage;
import dev.orchestrator.spec.HealthCheck;
import dev.orchestrator.spec.ServiceSpec;
import dev.orchestrator.spec.UpdatePolicy;
import java.time.Duration;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Assume;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/**
 * Rollout invariants on the simulator under random update policies: at no simulator step does a
 * rollout run more than {@code replicas + surge} containers, have fewer than
 * {@code replicas - unavailable} available, or list a replica in the registry that is not ready;
 * and every rollout completes on the new spec.
 */
class RolloutPropertiesTest {

  @Property(tries = 20, seed = "20261128")
  void aRolloutKeepsItsSurgeAndUnavailableBoundsListsOnlyReadyReplicasAndCompletes(
      @ForAll @LongRange(min = 1, max = 1_000_000) long seed,
      @ForAll @IntRange(min = 1, max = 5) int replicas,
      @ForAll @IntRange(min = 0, max = 3) int surge,
      @ForAll @IntRange(min = 0, max = 3) int unavailable,
      @ForAll boolean percentages,
      @ForAll boolean startFirst,
      @ForAll @IntRange(min = 0, max = 2) int minReadySeconds,
      @ForAll @IntRange(min = 0, max = 2) int warmUpSeconds) {
    Assume.that(surge > 0 || unavailable > 0);
    UpdatePolicy.Builder pb = UpdatePolicy.builder().order(startFirst ? UpdatePolicy.Order.START_FIRST : UpdatePolicy.Order.STOP_FIRST)
        .minReady(Duration.ofSeconds(minReadySeconds));
    if (percentages) {
      pb.maxSurgePercent(surge * 30).maxUnavailablePercent(unavailable * 30);
    } else {
      pb.maxSurge(surge).maxUnavailable(unavailable);
    }
    UpdatePolicy policy = pb.build();
    Duration warmUp = Duration.ofSeconds(warmUpSeconds);
    RolloutBounds bounds = new RolloutBounds("svc", Map.of("app:2", warmUp));
    try (SimHarness h = new SimHarness(c -> c.seed(seed).image("app:2", SimulatedImage.slowStarting(warmUp)).invariant(bounds), b -> b)) {
      ServiceSpec v1 = ServiceSpec.builder("svc").image("app:1").port(9000).replicas(replicas)
          .readiness(HealthCheck.tcp(9000).withInterval(Duration.ofMillis(500))).updatePolicy(policy).build();
      h.orchestrator.apply(v1);
      h.converge(() -> h.ready("svc", replicas));
      bounds.minReady = policy.minReady();
      bounds.arm(h.orchestrator, h.clock, replicas + policy.surge(replicas), replicas - policy.unavailable(replicas));
      ServiceSpec v2 = v1.toBuilder().image("app:2").build();
      h.orchestrator.apply(v2);
      h.converge(() -> h.ready("svc", replicas)
          && h.all("svc").stream().allMatch(c -> c.label(OwnerLabels.SPEC_HASH).equals(v2.specHash()))
          && h.orchestrator.status("svc").rollout().phase() == RolloutPhase.COMPLETE);
      assertThat(bounds.violations).as(policy + " over " + replicas + " replicas").isEmpty();
      assertThat(h.violations).isEmpty();
      RolloutStatus r = h.orchestrator.status("svc").rollout();
      assertThat(r.targetSpecHash()).isEqualTo(v2.specHash());
      assertThat(r.previousSpecHash()).isEqualTo(v1.specHash());
      assertThat(r.availableReplicas()).isEqualTo(replicas);
    }
  }

  @Property(tries = 15, seed = "20261128")
  void aRolloutUnderRandomFaultsNeverRunsASlotTwiceOnOneSpecAndConvergesOnTheNewSpec(
      @ForAll @LongRange(min = 1, max = 1_000_000) long seed,
      @ForAll @IntRange(min = 1, max = 5) int replicas,
      @ForAll @IntRange(min = 1, max = 2) int surge,
      @ForAll @IntRange(min = 0, max = 2) int unavailable,
      @ForAll boolean startFirst,
      @ForAll @IntRange(min = 5, max = 20) int faults) {
    Random random = new Random(seed);
    UpdatePolicy policy = UpdatePolicy.builder().maxSurge(surge).maxUnavailable(unavailable)
        .order(startFirst ? UpdatePolicy.Order.START_FIRST : UpdatePolicy.Order.STOP_FIRST)
        .minReady(Duration.ofMillis(500)).onFailure(UpdatePolicy.FailureAction.PAUSE, 1_000).build();
    try (SimHarness h = new SimHarness(c -> c.seed(seed).image("app:2", SimulatedImage.slowStarting(Duration.ofSeconds(1))), b -> b)) {
      ServiceSpec v1 = ServiceSpec.builder("svc").image("app:1").port(9000).replicas(replicas)
          .readiness(HealthCheck.tcp(9000).withInterval(Duration.ofMillis(500))).updatePolicy(policy).build();
      h.orchestrator.apply(v1);
      h.converge(() -> h.ready("svc", replicas));
      ServiceSpec v2 = v1.toBuilder().image("app:2").build();
      h.orchestrator.apply(v2);
      for (int i = 0; i < faults; i++) {
        h.injectRandomFault("svc", random);
        h.clock.advance(Duration.ofMillis(random.nextInt(800)));
      }
      h.healAllFaults();
      h.orchestrator.resync();
      h.converge(Duration.ofMillis(250), () -> h.ready("svc", replicas)
          && h.all("svc").stream().allMatch(c -> c.running() && c.label(OwnerLabels.SPEC_HASH).equals(v2.specHash())));
      assertThat(h.violations).isEmpty();
    }
  }
}
