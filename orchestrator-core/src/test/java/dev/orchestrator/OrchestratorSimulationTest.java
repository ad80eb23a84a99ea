package dev.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orchestrator.event.OrchestratorEvent;
import dev.orchestrator.registry.Endpoint;
import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.OwnerLabels;
import dev.orchestrator.simulation.SimulatedImage;
import dev.orchestrator.spec.HealthCheck;
import dev.orchestrator.spec.PlacementConstraint;
import dev.orchestrator.spec.Resources;
import dev.orchestrator.spec.RestartPolicy;
import dev.orchestrator.spec.ServiceSpec;
import dev.orchestrator.spec.ValidationException;
import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class OrchestratorSimulationTest {
  private SimHarness h;

  @AfterEach
  void tearDown() {
    SimHarness.closeChecked(h);
  }

  @Test
  void convergesFromEmptyAndPublishesEveryReadyReplica() {
    h = new SimHarness();
    h.orchestrator.apply(SimHarness.web(3));
    h.converge(() -> h.ready("web", 3));
    List<Endpoint> endpoints = h.orchestrator.registry().lookup("web").endpoints();
    assertThat(endpoints).extracting(Endpoint::id).containsExactly("web-0", "web-1", "web-2");
    assertThat(endpoints).allSatisfy(e -> assertThat(e.ports()).containsKey("p8080"));
    assertThat(h.running("web")).extracting(ContainerInfo::node).as("spread over the nodes")
        .containsExactlyInAnyOrder("node-1", "node-2", "node-3");
    h.eventually(() -> assertThat(h.events(OrchestratorEvent.ReplicaReady.class)).hasSize(3));
  }

  @Test
  void reApplyingTheSameSpecIsANoOp() {
    h = new SimHarness();
    assertThat(h.orchestrator.apply(SimHarness.web(2))).isTrue();
    h.converge(() -> h.ready("web", 2));
    int creates = h.cluster.stats().creates();
    assertThat(h.orchestrator.apply(SimHarness.web(2))).isFalse();
    h.orchestrator.resync();
    h.converge(() -> h.ready("web", 2));
    assertThat(h.cluster.stats().creates()).isEqualTo(creates);
  }

  @Test
  void aCrashedReplicaIsReplacedAfterItsBackoffAndCountedAsARestart() {
    h = new SimHarness();
    h.orchestrator.apply(SimHarness.web(2));
    h.converge(() -> h.ready("web", 2));
    ContainerInfo victim = h.running("web").get(0);
    String slot = victim.label(OwnerLabels.SLOT);
    h.cluster.crash(victim.id(), 3);
    h.await(() -> h.orchestrator.registry().lookup("web").size() == 1);
    h.eventually(() -> assertThat(h.orchestrator.status("web").replicas()).anySatisfy(r -> {
      assertThat(r.state()).isEqualTo(ReplicaState.BACKOFF);
      assertThat(r.lastExitCode()).isEqualTo(3);
    }));
    h.converge(Duration.ofMillis(250), () -> h.ready("web", 2));
    ContainerInfo replacement = h.running("web").stream().filter(c -> c.label(OwnerLabels.SLOT).equals(slot)).findFirst().orElseThrow();
    assertThat(replacement.id()).isNotEqualTo(victim.id());
    assertThat(replacement.label(OwnerLabels.RESTARTS)).isEqualTo("1");
    // the crashed container is removed once its replacement is created, never left behind
    assertThat(h.cluster.containers(OwnerLabels.ofInstance("test"))).extracting(ContainerInfo::id)
        .doesNotContain(victim.id()).hasSize(2);
    h.eventually(() -> assertThat(h.events(OrchestratorEvent.ReplicaFailed.class)).singleElement()
        .satisfies(f -> {
          assertThat(f.exitCode()).isEqualTo(3);
          assertThat(f.lastLogs()).isNotEmpty();
        }));
    h.eventually(() -> assertThat(h.events(OrchestratorEvent.ReplicaRestarting.class)).singleElement()
        .satisfies(r -> assertThat(r.backoff()).isEqualTo(Duration.ofSeconds(1))));
  }

  @Test
  void restartBackoffDoublesForACrashLoopAndIsNeverShortCut() {
    h = new SimHarness(c -> c.image("crash", SimulatedImage.exitsAfter(Duration.ofMillis(100), 1)), b -> b);
    h.orchestrator.apply(ServiceSpec.builder("loop").image("crash").replicas(1)
        .restartPolicy(RestartPolicy.defaults().withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(4), 2.0)).build());
    h.converge(Duration.ofMillis(100), () -> h.events(OrchestratorEvent.ReplicaRestarting.class).size() >= 4);
    List<Duration> backoffs = h.events(OrchestratorEvent.ReplicaRestarting.class).stream()
        .map(OrchestratorEvent.ReplicaRestarting::backoff).limit(4).toList();
    assertThat(backoffs).containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(4));
    List<OrchestratorEvent.ReplicaStarted> starts = h.events(OrchestratorEvent.ReplicaStarted.class);
    for (int i = 1; i < Math.min(starts.size(), 4); i++) {
      Duration gap = Duration.between(starts.get(i - 1).time(), starts.get(i).time());
      assertThat(gap).as("start %d came after its backoff", i).isGreaterThanOrEqualTo(backoffs.get(i - 1));
    }
  }

  @Test
  void theRestartCountResetsAfterAPeriodOfHealthyRunning() {
    h = new SimHarness();
    ServiceSpec spec = SimHarness.web(1).toBuilder()
        .restartPolicy(RestartPolicy.defaults().withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(30), 2.0)
            .withResetAfter(Duration.ofMinutes(1)))
        .build();
    h.orchestrator.apply(spec);
    h.converge(() -> h.ready("web", 1));
    for (int crash = 1; crash <= 3; crash++) {
      String before = h.running("web").get(0).id();
      h.cluster.crash(before, 1);
      h.converge(Duration.ofMillis(500), () -> h.ready("web", 1) && !h.running("web").get(0).id().equals(before));
    }
    assertThat(h.running("web").get(0).label(OwnerLabels.RESTARTS)).isEqualTo("3");
    h.clock.advance(Duration.ofMinutes(2));
    String healthy = h.running("web").get(0).id();
    h.cluster.crash(healthy, 1);
    h.converge(Duration.ofMillis(500), () -> h.ready("web", 1) && !h.running("web").get(0).id().equals(healthy));
    assertThat(h.running("web").get(0).label(OwnerLabels.RESTARTS)).isEqualTo("1");
    h.eventually(() -> assertThat(h.events(OrchestratorEvent.ReplicaRestarting.class)).extracting(OrchestratorEvent.ReplicaRestarting::backoff)
        .containsExactly(Duration.ofSeconds(1), Duration.ofSeconds(2), Duration.ofSeconds(4), Duration.ofSeconds(1)));
  }

  @Test
  void theRegistryNeverListsAReplicaTheOrchestratorIsStopping() {
    List<String> listedWhileStopped = new java.util.concurrent.CopyOnWriteArrayList<>();
    java.util.concurrent.atomic.AtomicReference<Orchestrator> current = new java.util.concurrent.atomic.AtomicReference<>();
    h = new SimHarness(c -> c.invariant(all -> {
      Orchestrator o = current.get();
      if (o == null) {
        return;
      }
      for (ContainerInfo c2 : all) {
        boolean stoppedByUs = !c2.running() && c2.exitCode() == 143;
        if (stoppedByUs && o.registry().lookup("web").endpoints().stream()
            .anyMatch(e -> c2.id().equals(e.metadata().get("container")))) {
          listedWhileStopped.add(c2.id());
        }
      }
    }), b -> b);
    current.set(h.orchestrator);
    h.orchestrator.apply(SimHarness.web(4));
    h.converge(() -> h.ready("web", 4));
    h.orchestrator.scale("web", 2);
    h.converge(() -> h.ready("web", 2));
    h.orchestrator.apply(SimHarness.web(2).toBuilder().env("V", "2").build());
    h.converge(Duration.ofMillis(250), () -> h.ready("web", 2)
        && h.running("web").stream().allMatch(c -> "2".equals(h.orchestrator.spec("web").get().env().get("V"))
            && c.label(OwnerLabels.SPEC_HASH).equals(h.orchestrator.spec("web").get().specHash())));
    h.orchestrator.delete("web");
    h.converge(() -> h.all("web").isEmpty());
    h.eventually(() -> assertThat(h.events(OrchestratorEvent.ReplicaRemoved.class)).hasSizeGreaterThanOrEqualTo(6));
    assertThat(listedWhileStopped).isEmpty();
  }

  @Test
  void aReplicaFailingLivenessIsReplaced() {
    h = new SimHarness();
    h.orchestrator.apply(SimHarness.web(1).toBuilder().liveness(HealthCheck.tcp(8080).withInterval(Duration.ofSeconds(1)).withThresholds(1, 2)).build());
    h.converge(() -> h.ready("web", 1));
    ContainerInfo sick = h.running("web").get(0);
    h.cluster.setLive(sick.id(), false);
    h.converge(Duration.ofMillis(250), () -> h.ready("web", 1) && !h.running("web").get(0).id().equals(sick.id()));
    h.eventually(() -> assertThat(h.events(OrchestratorEvent.ReplicaFailed.class)).singleElement()
        .satisfies(f -> assertThat(f.reason()).isEqualTo("liveness check failed")));
  }

  @Test
  void anUnreadyReplicaLeavesTheRegistryAndReturnsWhenReadyAgain() {
    h = new SimHarness();
    h.orchestrator.apply(SimHarness.web(2));
    h.converge(() -> h.ready("web", 2));
    ContainerInfo c = h.running("web").get(0);
    h.cluster.setReady(c.id(), false);
    h.converge(Duration.ofMillis(250), () -> h.orchestrator.registry().lookup("web").size() == 1);
    h.eventually(() -> assertThat(h.orchestrator.status("web").replicas())
        .anySatisfy(r -> assertThat(r.state()).isEqualTo(ReplicaState.UNREADY)));
    assertThat(h.running("web")).hasSize(2);
    h.cluster.setReady(c.id(), true);
    h.converge(Duration.ofMillis(250), () -> h.ready("web", 2));
    assertThat(h.running("web")).extracting(ContainerInfo::id).contains(c.id());
    h.eventually(() -> assertThat(h.events(OrchestratorEvent.ReplicaUnready.class)).hasSize(1));
  }

  @Test
  void scalingDownRemovesTheHighestSlotsFirstAndUpAddsNewOnes() {
    h = new SimHarness();
    h.orchestrator.apply(SimHarness.web(4));
    h.converge(() -> h.ready("web", 4));
    h.orchestrator.scale("web", 2);
    h.converge(() -> h.ready("web", 2));
    assertThat(h.all("web")).extracting(c -> c.label(OwnerLabels.SLOT)).containsExactlyInAnyOrder("0", "1");
    h.eventually(() -> assertThat(h.events(OrchestratorEvent.ReplicaRemoved.class)).extracting(OrchestratorEvent.ReplicaRemoved::replica)
        .containsExactly("web-3", "web-2"));
    h.orchestrator.scale("web", 3);
    h.converge(() -> h.ready("web", 3));
    assertThat(h.orchestrator.registry().lookup("web").endpoints()).extracting(Endpoint::id).containsExactly("web-0", "web-1", "web-2");
  }

  @Test
  void anUpdateReplacesReplicasOneAtATimeKeepingTheOthersReady() {
    h = new SimHarness(c -> c.image("web:2", SimulatedImage.slowStarting(Duration.ofSeconds(2))), b -> b);
    h.orchestrator.apply(SimHarness.web(3));
    h.converge(() -> h.ready("web", 3));
    List<Integer> readyDuringUpdate = new java.util.concurrent.CopyOnWriteArrayList<>();
    h.orchestrator.registry().watch("web", set -> readyDuringUpdate.add(set.size()));
    ServiceSpec v2 = SimHarness.web(3).toBuilder().image("web:2").build();
    h.orchestrator.apply(v2);
    h.converge(Duration.ofMillis(250), () -> h.ready("web", 3)
        && h.running("web").stream().allMatch(c -> c.image().equals("web:2")));
    assertThat(readyDuringUpdate).as("never more than one replica unavailable").allSatisfy(n -> assertThat(n).isGreaterThanOrEqualTo(2));
    assertThat(h.all("web")).allSatisfy(c -> assertThat(c.label(OwnerLabels.SPEC_HASH)).isEqualTo(v2.specHash()));
  }

  @Test
  void deletingAServiceWithdrawsStopsAndRemovesEverything() {
    h = new SimHarness();
    h.orchestrator.apply(SimHarness.web(3));
    h.converge(() -> h.ready("web", 3));
    assertThat(h.orchestrator.delete("web")).isTrue();
    h.converge(() -> h.all("web").isEmpty());
    assertThat(h.orchestrator.registry().lookup("web").isEmpty()).isTrue();
    assertThat(h.orchestrator.delete("web")).isFalse();
  }

  @Test
  void anInvalidSpecOrUnknownImageIsRefusedBeforeAnythingIsCreated() {
    h = new SimHarness(c -> c.onlyRegisteredImages().image("web:1", SimulatedImage.service()), b -> b);
    assertThatThrownBy(() -> h.orchestrator.apply(SimHarness.web(2).toBuilder().image("nope:1").build()))
        .isInstanceOf(ValidationException.class).hasMessageContaining("image = 'nope:1'").hasMessageContaining("node-1");
    assertThatThrownBy(() -> h.orchestrator.apply(SimHarness.web(2).toBuilder().replicas(-1).port(99999).build()))
        .isInstanceOf(ValidationException.class).hasMessageContaining("replicas").hasMessageContaining("99999");
    assertThatThrownBy(() -> h.orchestrator.apply(SimHarness.web(1).toBuilder().resources(Resources.requests(64_000, 0)).build()))
        .isInstanceOf(ValidationException.class).hasMessageContaining("largest node");
    h.orchestrator.resync();
    h.converge(() -> true);
    assertThat(h.cluster.stats().creates()).isZero();
    assertThat(h.orchestrator.services()).isEmpty();
  }

  @Test
  void aReplicaThatFitsNowhereIsExplainedAndPlacedOnceCapacityIsFreed() {
    h = new SimHarness();
    ServiceSpec big = ServiceSpec.builder("big").image("big").replicas(3).resources(Resources.requests(3000, Resources.GIB)).build();
    h.orchestrator.apply(big);
    h.converge(() -> h.orchestrator.status("big").readyReplicas() == 3);
    h.orchestrator.apply(ServiceSpec.builder("extra").image("x").replicas(1).resources(Resources.requests(2000, Resources.GIB)).build());
    h.await(() -> !h.events(OrchestratorEvent.ReplicaUnschedulable.class).isEmpty());
    OrchestratorEvent.ReplicaUnschedulable u = h.events(OrchestratorEvent.ReplicaUnschedulable.class).get(0);
    assertThat(u.replica()).isEqualTo("extra-0");
    assertThat(u.diagnosis()).contains("node-1: insufficient cpu: requested 2000m, free 1000m").contains("node-2").contains("node-3");
    h.eventually(() -> assertThat(h.orchestrator.status("extra").replicas()).singleElement()
        .satisfies(r -> assertThat(r.state()).isEqualTo(ReplicaState.UNSCHEDULABLE)));
    assertThatThrownBy(() -> h.orchestrator.awaitReady("extra", Duration.ofMillis(200)))
        .isInstanceOfSatisfying(dev.orchestrator.scheduling.SchedulingException.class, e -> {
          assertThat(e.replica()).isEqualTo("extra-0");
          assertThat(e.diagnosis()).contains("node-2: insufficient cpu");
        });
    h.orchestrator.scale("big", 2);
    h.converge(Duration.ofMillis(100), () -> h.orchestrator.status("extra").isReady());
    h.eventually(() -> assertThat(h.events(OrchestratorEvent.ReplicaUnschedulable.class)).as("not retried in a hot loop").hasSize(1));
  }

  @Test
  void placementConstraintsAreHonoured() {
    h = new SimHarness(c -> c.node("gpu-1", 4000, Resources.GIB * 8, Map.of("gpu", "yes")), b -> b);
    h.orchestrator.apply(ServiceSpec.builder("ml").image("ml").replicas(2).constraint(PlacementConstraint.equals("gpu", "yes")).build());
    h.converge(() -> h.orchestrator.status("ml").isReady());
    assertThat(h.running("ml")).extracting(ContainerInfo::node).containsOnly("gpu-1");
  }

  @Test
  void replicasOfAFailedNodeAreRescheduledElsewhere() {
    h = new SimHarness();
    h.orchestrator.apply(SimHarness.web(3));
    h.converge(() -> h.ready("web", 3));
    h.cluster.failNode("node-2");
    h.converge(Duration.ofMillis(250), () -> h.ready("web", 3));
    assertThat(h.running("web")).extracting(ContainerInfo::node).doesNotContain("node-2");
    h.cluster.restoreNode("node-2");
    h.orchestrator.resync();
    h.converge(Duration.ofMillis(250), () -> h.ready("web", 3) && h.all("web").size() == 3);
  }

  @Test
  void nodeOutagesAreReportedAsEvents() {
    h = new SimHarness();
    h.cluster.failNode("node-3");
    h.cluster.restoreNode("node-3");
    h.eventually(() -> assertThat(h.events(OrchestratorEvent.NodeAvailability.class))
        .extracting(OrchestratorEvent.NodeAvailability::node, OrchestratorEvent.NodeAvailability::available)
        .containsExactly(org.assertj.core.groups.Tuple.tuple("node-3", false), org.assertj.core.groups.Tuple.tuple("node-3", true)));
  }

  @Test
  void aServiceIsAcceptedWhenNoNodeAnswersAndConvergesOnceOneIsBack() {
    h = new SimHarness();
    for (String node : List.of("node-1", "node-2", "node-3")) {
      h.cluster.failNode(node);
    }
    h.orchestrator.apply(SimHarness.web(2));
    assertThat(h.orchestrator.services()).containsKey("web");
    h.cluster.restoreNode("node-2");
    h.converge(Duration.ofMillis(250), () -> h.ready("web", 2));
    assertThat(h.running("web")).extracting(ContainerInfo::node).containsOnly("node-2");
  }

  @Test
  void aCreateThatTimedOutButSucceededIsReusedNotDuplicated() {
    h = new SimHarness();
    for (String node : List.of("node-1", "node-2", "node-3")) {
      h.cluster.timeOutNextCalls(node, "create", 1, true);
    }
    h.orchestrator.apply(SimHarness.web(1));
    h.converge(Duration.ofMillis(250), () -> h.ready("web", 1));
    assertThat(h.all("web")).hasSize(1);
    assertThat(h.cluster.stats().creates()).isEqualTo(1);
    h.eventually(() -> assertThat(h.events(OrchestratorEvent.ReconcileFailed.class)).singleElement()
        .satisfies(e -> assertThat(e.error()).contains("did not answer in time")));
  }

  @Test
  void aNodeThatTimesOutWhileListingIsNotMistakenForEmpty() {
    h = new SimHarness();
    h.orchestrator.apply(SimHarness.web(1));
    h.converge(() -> h.ready("web", 1));
    String node = h.running("web").get(0).node();
    h.cluster.timeOutNextCalls(node, "list", 3, false);
    h.orchestrator.resync();
    h.converge(() -> h.ready("web", 1));
    h.clock.advance(Duration.ofSeconds(5));
    h.converge(() -> h.ready("web", 1));
    assertThat(h.all("web")).hasSize(1);
  }

  @Test
  void anEndpointOnAFailedNodeIsWithdrawnEvenIfNoReplacementFits() {
    h = new SimHarness(c -> c.node("gpu-1", 4000, Resources.GIB * 8, Map.of("gpu", "yes")), b -> b);
    h.orchestrator.apply(SimHarness.web(1).toBuilder().constraint(PlacementConstraint.equals("gpu", "yes")).build());
    h.converge(() -> h.ready("web", 1));
    h.cluster.failNode("gpu-1");
    h.converge(() -> h.orchestrator.registry().lookup("web").isEmpty());
    h.eventually(() -> assertThat(h.orchestrator.status("web").replicas()).singleElement()
        .satisfies(r -> assertThat(r.state()).isEqualTo(ReplicaState.UNSCHEDULABLE)));
    h.eventually(() -> assertThat(h.events(OrchestratorEvent.ReplicaUnready.class)).singleElement()
        .satisfies(e -> assertThat(e.replica()).isEqualTo("web-0")));
  }

  @Test
  void aSlotThatCannotStartDoesNotBlockTheOtherSlots() {
    h = new SimHarness();
    h.cluster.timeOutNextCalls("node-1", "start", 1_000_000, false);
    h.orchestrator.apply(SimHarness.web(3));
    h.converge(Duration.ofMillis(250), () -> h.orchestrator.registry().lookup("web").size() == 2);
    h.eventually(() -> assertThat(h.orchestrator.status("web").lastError()).contains("start on node node-1"));
    assertThat(h.all("web")).as("containers that could not start are removed, not left behind")
        .filteredOn(c -> c.node().equals("node-1")).hasSizeLessThanOrEqualTo(1)
        .allSatisfy(c -> assertThat(c.running()).isFalse());
  }

  @Test
  void awaitReadyAfterScalingWaitsForTheNewCount() throws InterruptedException {
    h = new SimHarness();
    h.orchestrator.apply(SimHarness.web(4));
    h.converge(() -> h.ready("web", 4));
    h.orchestrator.scale("web", 2);
    ServiceStatus s = h.orchestrator.awaitReady("web", Duration.ofSeconds(10));
    assertThat(s.desiredReplicas()).isEqualTo(2);
    assertThat(s.replicas()).hasSize(2);
  }

  @Test
  void awaitReadyReportsTheStatusWhenItTimesOut() {
    h = new SimHarness(c -> c.image("slow", SimulatedImage.slowStarting(Duration.ofHours(1))), b -> b);
    h.orchestrator.apply(ServiceSpec.builder("slow").image("slow").port(80).readiness(HealthCheck.tcp(80)).replicas(1).build());
    assertThatThrownBy(() -> h.orchestrator.awaitReady("slow", Duration.ofMillis(300)))
        .isInstanceOf(OrchestratorException.class).hasMessageContaining("slow: 0/1 ready")
        .hasMessageContaining("last output of slow-0:").hasMessageContaining("started");
  }

  @Test
  void statusReportsEachReplicaWithItsNode() throws InterruptedException {
    h = new SimHarness();
    h.orchestrator.apply(SimHarness.web(2));
    h.converge(() -> h.ready("web", 2));
    ServiceStatus s = h.orchestrator.awaitReady("web", Duration.ofSeconds(5));
    assertThat(s.replicas()).extracting(ReplicaStatus::replica).containsExactly("web-0", "web-1");
    assertThat(s.replicas()).allSatisfy(r -> {
      assertThat(r.node()).startsWith("node-");
      assertThat(r.state()).isEqualTo(ReplicaState.READY);
    });
    assertThat(s.replicas().stream().map(ReplicaStatus::containerId).sorted(Comparator.naturalOrder()).toList()).doesNotContain("");
  }
}
