package dev.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.OwnerLabels;
import dev.orchestrator.spec.ServiceSpec;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * What an instance owns, on the simulator: adoption by a restarted orchestrator, orphans after the
 * grace period, sweep, other instances' containers left alone, and cleanup on close.
 */
class OwnershipSimulationTest {
  private SimHarness h;

  @AfterEach
  void tearDown() {
    SimHarness.closeChecked(h);
  }

  @Test
  void aRestartedOrchestratorRollsChangedReplicasOneAtATime() {
    java.util.concurrent.atomic.AtomicBoolean armed = new java.util.concurrent.atomic.AtomicBoolean();
    java.util.concurrent.atomic.AtomicInteger fewest = new java.util.concurrent.atomic.AtomicInteger(Integer.MAX_VALUE);
    h = new SimHarness(c -> c.invariant(all -> {
      if (armed.get()) {
        fewest.accumulateAndGet((int) all.stream().filter(ContainerInfo::running)
            .filter(x -> "web".equals(x.label(OwnerLabels.SERVICE))).count(), Math::min);
      }
    }), b -> b.keepOnClose(true));
    h.orchestrator.apply(SimHarness.web(3));
    h.converge(() -> h.ready("web", 3));
    h.orchestrator.close();
    h.orchestrator = h.start("test");
    armed.set(true);
    ServiceSpec changed = SimHarness.web(3).toBuilder().env("MODE", "new").build();
    h.orchestrator.apply(changed);
    h.converge(Duration.ofMillis(250), () -> h.ready("web", 3)
        && h.running("web").stream().allMatch(c -> c.label(OwnerLabels.SPEC_HASH).equals(changed.specHash())));
    assertThat(fewest.get()).isGreaterThanOrEqualTo(2);
  }

  @Test
  void aRestartedOrchestratorAdoptsItsContainersWithoutTouchingThem() {
    h = new SimHarness(c -> c, b -> b.keepOnClose(true));
    h.orchestrator.apply(SimHarness.web(3));
    h.converge(() -> h.ready("web", 3));
    List<String> before = h.running("web").stream().map(ContainerInfo::id).sorted().toList();
    h.orchestrator.close();
    var stats = h.cluster.stats();
    h.orchestrator = h.start("test");
    h.orchestrator.apply(SimHarness.web(3));
    h.converge(() -> h.ready("web", 3));
    assertThat(h.running("web").stream().map(ContainerInfo::id).sorted().toList()).isEqualTo(before);
    assertThat(h.cluster.stats().creates()).isEqualTo(stats.creates());
    assertThat(h.cluster.stats().removes()).isEqualTo(stats.removes());
  }

  @Test
  void aRestartedOrchestratorReplacesChangedReplicasAndRemovesOrphansAfterTheGracePeriod() {
    h = new SimHarness(c -> c, b -> b.keepOnClose(true));
    h.orchestrator.apply(SimHarness.web(2));
    h.orchestrator.apply(ServiceSpec.builder("old").image("old").replicas(2).build());
    h.converge(() -> h.ready("web", 2) && h.orchestrator.status("old").isReady());
    h.orchestrator.close();
    h.orchestrator = h.start("test");
    ServiceSpec changed = SimHarness.web(2).toBuilder().env("MODE", "new").build();
    h.orchestrator.apply(changed);
    h.converge(Duration.ofMillis(250), () -> h.ready("web", 2)
        && h.running("web").stream().allMatch(c -> c.label(OwnerLabels.SPEC_HASH).equals(changed.specHash())));
    assertThat(h.running("old")).as("orphans are left alone during the grace period").hasSize(2);
    h.converge(Duration.ofSeconds(5), () -> h.all("old").isEmpty());
  }

  @Test
  void sweepRemovesLeftoversOfUndeclaredServicesAtOnce() {
    h = new SimHarness(c -> c, b -> b.keepOnClose(true));
    h.orchestrator.apply(ServiceSpec.builder("old").image("old").replicas(2).build());
    h.converge(() -> h.orchestrator.status("old").isReady());
    h.orchestrator.close();
    h.orchestrator = h.start("test");
    h.orchestrator.sweep();
    h.await(() -> h.all("old").isEmpty());
  }

  @Test
  void containersOfAnotherInstanceAreNeverTouched() {
    h = new SimHarness();
    try (Orchestrator other = h.start("other")) {
      other.apply(SimHarness.web(2));
      h.converge(() -> h.cluster.running(OwnerLabels.ofService("other", "web")).size() == 2);
      h.orchestrator.apply(SimHarness.web(1));
      h.converge(() -> h.ready("web", 1));
      h.orchestrator.delete("web");
      h.converge(Duration.ofSeconds(5), () -> h.all("web").isEmpty());
      h.clock.advance(Duration.ofMinutes(5));
      h.orchestrator.resync();
      h.converge(() -> true);
      assertThat(h.cluster.running(OwnerLabels.ofService("other", "web"))).hasSize(2);
      h.orchestrator.close();
      assertThat(h.cluster.running(OwnerLabels.ofService("other", "web"))).hasSize(2);
    }
  }

  @Test
  void closeRemovesEverythingTheInstanceOwns() {
    h = new SimHarness();
    h.orchestrator.apply(SimHarness.web(3));
    h.orchestrator.apply(ServiceSpec.builder("worker").image("w").replicas(2).build());
    h.converge(() -> h.ready("web", 3));
    h.orchestrator.close();
    assertThat(h.cluster.containers(OwnerLabels.ofInstance("test"))).isEmpty();
    assertThatThrownBy(() -> h.orchestrator.apply(SimHarness.web(1))).isInstanceOf(IllegalStateException.class);
  }
}
