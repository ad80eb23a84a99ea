package dev.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orchestrator.event.OrchestratorEvent;
import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.OwnerLabels;
import dev.orchestrator.simulation.SimulatedImage;
import dev.orchestrator.spec.HealthCheck;
import dev.orchestrator.spec.RestartPolicy;
import dev.orchestrator.spec.ServiceSpec;
import dev.orchestrator.spec.UpdatePolicy;
import dev.orchestrator.spec.ValidationException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Rolling updates on the simulator: order, minReady, failure handling, pause/resume/rollback, restart. */
class RolloutSimulationTest {
  /** Never ready, exits with code 1 a second after start: a new version that crashes. */
  private static final SimulatedImage CRASHES = new SimulatedImage(Duration.ofMinutes(10), Optional.of(Duration.ofSeconds(1)), 1);
  private SimHarness h;
  private RolloutBounds bounds;

  private static ServiceSpec web(int replicas, UpdatePolicy policy) {
    return ServiceSpec.builder("web").image("web:1").port(8080).replicas(replicas)
        .readiness(HealthCheck.http(8080, "/ready").withInterval(Duration.ofSeconds(1)))
        .restartPolicy(RestartPolicy.defaults().withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(8), 2.0))
        .updatePolicy(policy).build();
  }

  private void start(Map<String, SimulatedImage> images, boolean keepOnClose) {
    Map<String, Duration> warmUp = new java.util.HashMap<>();
    images.forEach((image, b) -> warmUp.put(image, b.readyAfter()));
    bounds = new RolloutBounds("web", warmUp);
    h = new SimHarness(c -> {
      images.forEach(c::image);
      return c.invariant(bounds);
    }, b -> b.keepOnClose(keepOnClose));
  }

  private void deploy(ServiceSpec v1) {
    h.orchestrator.apply(v1);
    h.converge(() -> h.ready("web", v1.replicas()));
  }

  private boolean rolledOutTo(ServiceSpec spec) {
    return h.ready("web", spec.replicas()) && h.orchestrator.spec("web").orElseThrow().specHash().equals(spec.specHash())
        && h.all("web").stream().allMatch(c -> c.label(OwnerLabels.SPEC_HASH).equals(spec.specHash()))
        && h.orchestrator.status("web").rollout().phase() == RolloutPhase.COMPLETE
        && h.orchestrator.status("web").rollout().targetSpecHash().equals(spec.specHash());
  }

  private List<String> runningIds() {
    return h.running("web").stream().map(ContainerInfo::id).sorted().toList();
  }

  @AfterEach
  void tearDown() {
    if (h != null) {
      bounds.armed = false; // close removes everything
      h.close();
      assertThat(h.violations).as("two live containers of one spec in one slot").isEmpty();
      assertThat(bounds.violations).as("rollout bounds").isEmpty();
    }
  }

  @Test
  void changingOnlyTheReplicaCountOrTheUpdatePolicyReplacesNothing() {
    start(Map.of(), false);
    deploy(web(3, UpdatePolicy.defaults()));
    List<String> before = runningIds();
    int creates = h.cluster.stats().creates();
    assertThat(h.orchestrator.apply(web(3, UpdatePolicy.builder().maxSurge(3).build()))).as("a policy change is a change").isTrue();
    h.orchestrator.scale("web", 4);
    h.converge(() -> h.ready("web", 4));
    assertThat(runningIds()).containsAll(before);
    assertThat(h.cluster.stats().creates()).isEqualTo(creates + 1);
    assertThat(h.events(OrchestratorEvent.RolloutStarted.class)).isEmpty();
    assertThat(h.orchestrator.status("web").rollout().phase()).isEqualTo(RolloutPhase.COMPLETE);
  }

  @Test
  void startFirstStartsTheNewReplicaBeforeStoppingTheOldOne() {
    start(Map.of("web:2", SimulatedImage.slowStarting(Duration.ofSeconds(2))), false);
    ServiceSpec v1 = web(1, UpdatePolicy.defaults());
    deploy(v1);
    bounds.arm(h.orchestrator, h.clock, 2, 1);
    ServiceSpec v2 = v1.toBuilder().image("web:2").build();
    h.orchestrator.apply(v2);
    h.converge(Duration.ofMillis(250), () -> rolledOutTo(v2));
    assertThat(bounds.mostLive.get()).as("old and new side by side").isEqualTo(2);
    assertThat(bounds.fewestAvailable.get()).as("the single replica never went away").isEqualTo(1);
    h.eventually(() -> assertThat(h.events(OrchestratorEvent.RolloutCompleted.class)).extracting(OrchestratorEvent.RolloutCompleted::specHash)
        .containsExactly(v2.specHash()));
  }

  @Test
  void stopFirstStopsTheOldReplicaBeforeStartingTheNewOne() {
    start(Map.of("web:2", SimulatedImage.slowStarting(Duration.ofSeconds(2))), false);
    ServiceSpec v1 = web(2, UpdatePolicy.builder().order(UpdatePolicy.Order.STOP_FIRST).maxSurge(0).maxUnavailable(1).build());
    deploy(v1);
    bounds.arm(h.orchestrator, h.clock, 2, 1);
    ServiceSpec v2 = v1.toBuilder().image("web:2").build();
    h.orchestrator.apply(v2);
    h.converge(Duration.ofMillis(250), () -> rolledOutTo(v2));
    assertThat(bounds.mostLive.get()).as("never an extra container").isEqualTo(2);
    assertThat(bounds.fewestAvailable.get()).as("one replica down at a time").isEqualTo(1);
  }

  @Test
  void aServiceWithAFixedHostPortIsRolledStopFirstOneAtATime() {
    start(Map.of("web:2", SimulatedImage.slowStarting(Duration.ofSeconds(2))), false);
    ServiceSpec v1 = web(3, UpdatePolicy.defaults()).toBuilder().clearPorts()
        .port(dev.orchestrator.spec.PortSpec.tcp(8080).withHostPort(18080)).build();
    deploy(v1);
    bounds.arm(h.orchestrator, h.clock, 3, 2);
    ServiceSpec v2 = v1.toBuilder().image("web:2").build();
    h.orchestrator.apply(v2);
    h.converge(Duration.ofMillis(250), () -> rolledOutTo(v2));
    assertThat(bounds.mostLive.get()).as("never a second container holding the port").isEqualTo(3);
  }

  @Test
  void aNewReplicaReplacesTheOldOneOnlyAfterBeingReadyForMinReady() {
    start(Map.of("web:2", SimulatedImage.slowStarting(Duration.ofSeconds(1))), false);
    ServiceSpec v1 = web(1, UpdatePolicy.builder().minReady(Duration.ofSeconds(10)).build());
    deploy(v1);
    ServiceSpec v2 = v1.toBuilder().image("web:2").build();
    h.orchestrator.apply(v2);
    h.converge(Duration.ofMillis(250), () -> rolledOutTo(v2));
    Instant started = h.running("web").get(0).startedAt();
    h.eventually(() -> assertThat(h.events(OrchestratorEvent.ReplicaRemoved.class)).hasSize(1));
    Instant oldRemoved = h.events(OrchestratorEvent.ReplicaRemoved.class).get(0).time();
    assertThat(oldRemoved).as("ready after 1 s, then available 10 s later")
        .isAfterOrEqualTo(started.plusSeconds(11)).isBefore(started.plusSeconds(14));
  }

  @Test
  void newReplicasThatCrashAreRolledBackToTheLastFullyReadySpecWithoutTouchingTheOldOnes() {
    start(Map.of("web:bad", CRASHES), false);
    ServiceSpec v1 = web(3, UpdatePolicy.builder().onFailure(UpdatePolicy.FailureAction.ROLLBACK, 2).build());
    deploy(v1);
    List<String> before = runningIds();
    bounds.arm(h.orchestrator, h.clock, 4, 3);
    ServiceSpec bad = v1.toBuilder().image("web:bad").build();
    h.orchestrator.apply(bad);
    h.converge(Duration.ofMillis(250), () -> rolledOutTo(v1));
    assertThat(h.orchestrator.spec("web").orElseThrow().image()).isEqualTo("web:1");
    assertThat(runningIds()).as("the old replicas kept serving").isEqualTo(before);
    RolloutStatus r = h.orchestrator.status("web").rollout();
    assertThat(r.previousSpecHash()).isEqualTo(bad.specHash());
    assertThat(r.reason()).contains("rolled back from " + bad.specHash()).contains("2 new replica(s) failed");
    h.eventually(() -> assertThat(h.events(OrchestratorEvent.RolloutRolledBack.class)).singleElement()
        .satisfies(e -> assertThat(e.toSpecHash()).isEqualTo(v1.specHash())));
  }

  @Test
  void aNewReplicaThatIsNotReadyByTheProgressDeadlineFailsTheRollout() {
    start(Map.of("web:stuck", SimulatedImage.slowStarting(Duration.ofHours(1))), false);
    ServiceSpec v1 = web(2, UpdatePolicy.builder().progressDeadline(Duration.ofSeconds(20))
        .onFailure(UpdatePolicy.FailureAction.ROLLBACK, 1).build());
    deploy(v1);
    List<String> before = runningIds();
    bounds.arm(h.orchestrator, h.clock, 3, 2);
    ServiceSpec stuck = v1.toBuilder().image("web:stuck").build();
    h.orchestrator.apply(stuck);
    h.converge(Duration.ofMillis(500), () -> h.events(OrchestratorEvent.RolloutRolledBack.class).size() == 1 && rolledOutTo(v1));
    assertThat(runningIds()).isEqualTo(before);
    assertThat(h.events(OrchestratorEvent.RolloutRolledBack.class).get(0).reason()).contains("not available within PT20S");
    assertThat(h.events(OrchestratorEvent.RolloutRolledBack.class).get(0).time())
        .as("not before the deadline").isAfterOrEqualTo(h.events(OrchestratorEvent.RolloutStarted.class).get(0).time().plusSeconds(20));
  }

  @Test
  void withoutAFullyReadySpecToGoBackToAFailingRolloutStopsAsFailedUntilResumed() {
    start(Map.of("web:bad", CRASHES), false);
    ServiceSpec v1 = web(2, UpdatePolicy.builder().onFailure(UpdatePolicy.FailureAction.ROLLBACK, 1).build());
    h.orchestrator.apply(v1.toBuilder().image("web:bad").build());
    h.converge(Duration.ofMillis(250), () -> h.orchestrator.status("web").rollout().targetSpecHash().equals(
        v1.toBuilder().image("web:bad").build().specHash()));
    ServiceSpec alsoBad = v1.toBuilder().image("web:bad").env("V", "2").build();
    h.orchestrator.apply(alsoBad);
    h.converge(Duration.ofMillis(250), () -> h.orchestrator.status("web").rollout().phase() == RolloutPhase.FAILED);
    assertThat(h.orchestrator.status("web").rollout().reason()).contains("no fully-ready spec to roll back to");
    h.orchestrator.apply(v1);
    h.converge(Duration.ofMillis(250), () -> rolledOutTo(v1));
  }

  @Test
  void newReplicasThatCrashPauseTheRolloutWhenSoConfiguredUntilRolledBack() {
    start(Map.of("web:bad", CRASHES), false);
    ServiceSpec v1 = web(3, UpdatePolicy.builder().order(UpdatePolicy.Order.STOP_FIRST).maxSurge(0).maxUnavailable(1)
        .onFailure(UpdatePolicy.FailureAction.PAUSE, 2).build());
    deploy(v1);
    bounds.arm(h.orchestrator, h.clock, 3, 2);
    ServiceSpec bad = v1.toBuilder().image("web:bad").build();
    h.orchestrator.apply(bad);
    h.converge(Duration.ofMillis(250), () -> h.orchestrator.status("web").rollout().phase() == RolloutPhase.PAUSED);
    assertThat(h.orchestrator.status("web").rollout().reason()).contains("2 new replica(s) failed");
    long old = h.running("web").stream().filter(c -> c.image().equals("web:1")).count();
    assertThat(old).as("only the slot being replaced went down").isEqualTo(2);
    for (int i = 0; i < 60; i++) {
      h.clock.advance(Duration.ofSeconds(1));
    }
    h.orchestrator.resync();
    h.eventually(() -> assertThat(h.running("web").stream().filter(c -> c.image().equals("web:1")).count()).isEqualTo(2));
    assertThat(h.orchestrator.status("web").rollout().phase()).isEqualTo(RolloutPhase.PAUSED);
    assertThat(h.orchestrator.rollback("web")).isEqualTo(v1.specHash());
    h.converge(Duration.ofMillis(250), () -> rolledOutTo(v1));
    h.eventually(() -> assertThat(h.events(OrchestratorEvent.RolloutPaused.class)).hasSize(1));
  }

  @Test
  void aRolloutCanBePausedResumedAndRolledBackThroughTheApi() {
    start(Map.of("web:2", SimulatedImage.slowStarting(Duration.ofSeconds(3))), false);
    ServiceSpec v1 = web(4, UpdatePolicy.defaults());
    deploy(v1);
    bounds.arm(h.orchestrator, h.clock, 5, 4);
    ServiceSpec v2 = v1.toBuilder().image("web:2").build();
    h.orchestrator.apply(v2);
    h.converge(Duration.ofMillis(250), () -> h.orchestrator.status("web").rollout().availableReplicas() >= 1);
    h.orchestrator.pauseRollout("web");
    h.converge(Duration.ofMillis(250), () -> h.all("web").size() == 4);
    int creates = h.cluster.stats().creates();
    int updated = h.orchestrator.status("web").rollout().updatedReplicas();
    for (int i = 0; i < 30; i++) {
      h.clock.advance(Duration.ofSeconds(1));
    }
    h.orchestrator.resync();
    h.eventually(() -> assertThat(h.orchestrator.status("web").rollout().phase()).isEqualTo(RolloutPhase.PAUSED));
    assertThat(h.cluster.stats().creates()).as("nothing replaced while paused").isEqualTo(creates);
    assertThat(h.orchestrator.status("web").rollout().updatedReplicas()).isEqualTo(updated).isLessThan(4);
    h.orchestrator.resumeRollout("web");
    h.converge(Duration.ofMillis(250), () -> rolledOutTo(v2));
    assertThat(h.orchestrator.rollback("web")).isEqualTo(v1.specHash());
    h.converge(Duration.ofMillis(250), () -> rolledOutTo(v1));
    assertThat(h.orchestrator.rollback("web")).as("and forth again").isEqualTo(v2.specHash());
    h.converge(Duration.ofMillis(250), () -> rolledOutTo(v2));
    h.eventually(() -> {
      assertThat(h.events(OrchestratorEvent.RolloutResumed.class)).hasSize(1);
      assertThat(h.events(OrchestratorEvent.RolloutRolledBack.class)).hasSize(2);
      assertThat(h.events(OrchestratorEvent.RolloutProgressed.class)).isNotEmpty();
    });
  }

  @Test
  void scalingDuringARolloutFinishesItWithTheNewCount() {
    start(Map.of("web:2", SimulatedImage.slowStarting(Duration.ofSeconds(3))), false);
    ServiceSpec v1 = web(4, UpdatePolicy.builder().maxSurge(2).build());
    deploy(v1);
    ServiceSpec v2 = v1.toBuilder().image("web:2").build();
    h.orchestrator.apply(v2);
    h.converge(Duration.ofMillis(250), () -> h.running("web").size() == 6);
    h.orchestrator.scale("web", 2);
    h.converge(Duration.ofMillis(250), () -> rolledOutTo(v2.withReplicas(2)));
    h.orchestrator.scale("web", 3);
    h.converge(Duration.ofMillis(250), () -> rolledOutTo(v2.withReplicas(3)));
    h.eventually(() -> assertThat(h.events(OrchestratorEvent.RolloutStarted.class)).hasSize(1));
  }

  @Test
  void aRollbackWithoutAnEarlierReadySpecAndABadPolicyAreRefused() {
    start(Map.of(), false);
    deploy(web(1, UpdatePolicy.defaults()));
    assertThatThrownBy(() -> h.orchestrator.rollback("web")).isInstanceOf(OrchestratorException.class)
        .hasMessageContaining("no earlier fully-ready spec");
    assertThatThrownBy(() -> h.orchestrator.pauseRollout("nope")).isInstanceOf(OrchestratorException.class)
        .hasMessageContaining("nope");
    assertThatThrownBy(() -> h.orchestrator.apply(web(1, UpdatePolicy.builder().maxSurge(0).maxUnavailablePercent(150).build())))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("updatePolicy.maxUnavailable").hasMessageContaining("150%");
  }

  @Test
  void aRolloutInterruptedByAnOrchestratorRestartGoesOnWithinItsBounds() {
    start(Map.of("web:2", SimulatedImage.slowStarting(Duration.ofSeconds(4))), true);
    ServiceSpec v1 = web(4, UpdatePolicy.defaults());
    deploy(v1);
    bounds.checkRegistry = false; // the restarted orchestrator starts with an empty registry of its own
    bounds.arm(h.orchestrator, h.clock, 5, 4);
    ServiceSpec v2 = v1.toBuilder().image("web:2").build();
    h.orchestrator.apply(v2);
    h.converge(Duration.ofMillis(250), () -> h.orchestrator.status("web").rollout().availableReplicas() >= 1
        && h.running("web").size() == 5);
    h.orchestrator.close();
    h.orchestrator = h.start("test");
    h.orchestrator.apply(v2);
    h.converge(Duration.ofMillis(250), () -> rolledOutTo(v2));
    RolloutStatus r = h.orchestrator.status("web").rollout();
    assertThat(r.previousSpecHash()).as("learnt from the adopted containers").isEqualTo(v1.specHash());
    assertThat(bounds.mostLive.get()).isEqualTo(5);
  }
}
