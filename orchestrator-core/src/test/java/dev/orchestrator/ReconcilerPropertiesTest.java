package dev.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestrator.registry.Endpoint;
import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.spec.HealthCheck;
import dev.orchestrator.spec.RestartPolicy;
import dev.orchestrator.spec.ServiceSpec;
import java.time.Duration;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import net.jqwik.api.constraints.LongRange;

/**
 * Invariants of the reconciler under random faults on the simulator: at no step do two live
 * containers hold one slot, and once faults stop, exactly the declared replicas are ready and
 * published.
 */
class ReconcilerPropertiesTest {
  @Property(tries = 25, seed = "20261128")
  void convergesToExactlyTheDeclaredReplicasAfterRandomFaults(
      @ForAll @LongRange(min = 1, max = 1_000_000) long seed,
      @ForAll @IntRange(min = 1, max = 6) int replicas,
      @ForAll @IntRange(min = 5, max = 25) int faults) {
    Random random = new Random(seed);
    try (SimHarness h = new SimHarness(c -> c.seed(seed), b -> b)) {
      ServiceSpec spec = ServiceSpec.builder("svc").image("app").port(9000).replicas(replicas)
          .readiness(HealthCheck.tcp(9000).withInterval(Duration.ofMillis(500)))
          .restartPolicy(RestartPolicy.defaults().withBackoff(Duration.ofMillis(200), Duration.ofSeconds(2), 2.0))
          .build();
      h.orchestrator.apply(spec);
      for (int i = 0; i < faults; i++) {
        h.injectRandomFault("svc", random);
        h.clock.advance(Duration.ofMillis(random.nextInt(800)));
      }
      h.healAllFaults();
      h.orchestrator.resync();
      h.converge(Duration.ofMillis(250), () -> h.ready("svc", replicas)
          && h.all("svc").stream().allMatch(ContainerInfo::running));
      assertThat(h.orchestrator.registry().lookup("svc").endpoints()).extracting(Endpoint::id)
          .containsExactlyElementsOf(java.util.stream.IntStream.range(0, replicas).mapToObj(i -> "svc-" + i).toList());
      assertThat(h.violations).isEmpty();
    }
  }
}
