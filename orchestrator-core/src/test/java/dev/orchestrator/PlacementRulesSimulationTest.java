package dev.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.scheduling.Schedulers;
import dev.orchestrator.spec.Toleration;
import dev.orchestrator.spec.PlacementConstraint;
import dev.orchestrator.spec.ServiceSpec;
import dev.orchestrator.spec.ValidationException;
import java.util.Map;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Placement rules declared on the service (tolerations, anti-affinity, max per node) and node
 * cordons, honoured by the default scheduler and the pipeline's spread alike.
 */
class PlacementRulesSimulationTest {
  private SimHarness h;

  @AfterEach
  void tearDown() {
    SimHarness.closeChecked(h);
  }

  private static UnaryOperator<Orchestrator.Builder> scheduler(String which) {
    return which.equals("pipeline") ? b -> b.scheduler(Schedulers.spread()) : b -> b;
  }

  private String unschedulable(String service) {
    h.converge(() -> h.orchestrator.status(service).replicas().stream().anyMatch(r -> r.state() == ReplicaState.UNSCHEDULABLE));
    return h.orchestrator.status(service).replicas().stream().filter(r -> r.state() == ReplicaState.UNSCHEDULABLE)
        .findFirst().orElseThrow().lastError();
  }

  @ParameterizedTest
  @ValueSource(strings = {"default", "pipeline"})
  void taintedNodesTakeOnlyTolerantReplicas(String which) {
    h = new SimHarness(c -> c.node("gpu-1", 4000, 1L << 33, Map.of("taint.dedicated", "gpu", "gpu", "yes")), scheduler(which));
    h.orchestrator.apply(ServiceSpec.builder("web").image("web").replicas(8).build());
    h.orchestrator.apply(ServiceSpec.builder("ml").image("ml").replicas(2).constraint(PlacementConstraint.exists("gpu"))
        .toleration(Toleration.of("dedicated", "gpu")).build());
    h.converge(() -> h.ready("web", 8) && h.ready("ml", 2));
    assertThat(h.running("web")).extracting(ContainerInfo::node).doesNotContain("gpu-1");
    assertThat(h.running("ml")).extracting(ContainerInfo::node).containsOnly("gpu-1");
  }

  @ParameterizedTest
  @ValueSource(strings = {"default", "pipeline"})
  void antiAffinityWithItselfKeepsOneReplicaPerNode(String which) {
    h = new SimHarness(c -> c, scheduler(which));
    h.orchestrator.apply(ServiceSpec.builder("db").image("db").replicas(4).antiAffinity("db").build());
    assertThat(unschedulable("db")).contains("node-1: anti-affinity: runs 1 replica of db");
    assertThat(h.running("db")).extracting(ContainerInfo::node).containsExactlyInAnyOrder("node-1", "node-2", "node-3");
  }

  @ParameterizedTest
  @ValueSource(strings = {"default", "pipeline"})
  void maxPerNodeCapsReplicasOnEachNode(String which) {
    h = new SimHarness(c -> c, scheduler(which));
    h.orchestrator.apply(ServiceSpec.builder("web").image("web").replicas(7).maxPerNode(2).build());
    assertThat(unschedulable("web")).contains("max 2 replicas of web per node: 2 here");
    assertThat(h.running("web")).hasSize(6);
  }

  @ParameterizedTest
  @ValueSource(strings = {"default", "pipeline"})
  void aCordonedNodeTakesNoNewReplicaAndUncordoningRetriesAtOnce(String which) {
    h = new SimHarness(c -> c, scheduler(which));
    h.orchestrator.cordon("node-1");
    h.orchestrator.apply(ServiceSpec.builder("web").image("web").replicas(4).build());
    h.converge(() -> h.ready("web", 4));
    assertThat(h.running("web")).extracting(ContainerInfo::node).doesNotContain("node-1");

    h.orchestrator.cordon("node-2");
    h.orchestrator.cordon("node-3");
    h.orchestrator.apply(ServiceSpec.builder("late").image("late").build());
    assertThat(unschedulable("late")).contains("node-1: node is cordoned");
    assertThat(h.running("web")).as("running replicas stay").hasSize(4);
    h.orchestrator.uncordon("node-1");
    h.await(() -> h.ready("late", 1)); // no clock advance: the uncordon itself retries
    assertThat(h.running("late")).extracting(ContainerInfo::node).containsExactly("node-1");
  }

  @Test
  void badPlacementRulesAreRejectedNamingTheField() {
    h = new SimHarness();
    assertThatThrownBy(() -> h.orchestrator.apply(ServiceSpec.builder("web").image("web").maxPerNode(-1).antiAffinity("Not_A_Name").build()))
        .isInstanceOf(ValidationException.class).hasMessageContaining("maxPerNode").hasMessageContaining("-1")
        .hasMessageContaining("antiAffinity").hasMessageContaining("Not_A_Name");
    assertThatThrownBy(() -> h.orchestrator.cordon("node-9")).isInstanceOf(IllegalArgumentException.class).hasMessageContaining("node-9");
  }
}
