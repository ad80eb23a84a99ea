package dev.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orchestrator.event.OrchestratorEvent;
import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.spec.Resources;
import dev.orchestrator.spec.ServiceSpec;
import dev.orchestrator.spec.ValidationException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A higher-priority replica that fits nowhere evicts lower-priority ones, and says so. */
class PreemptionSimulationTest {
  private SimHarness h;

  @AfterEach
  void tearDown() {
    SimHarness.closeChecked(h);
  }

  private static ServiceSpec service(String name, int replicas, long cpu, int priority) {
    return ServiceSpec.builder(name).image(name).replicas(replicas).resources(Resources.requests(cpu, 0)).priority(priority).build();
  }

  @Test
  void aHigherPriorityReplicaPreemptsALowerOneAndThePreemptedServiceIsUnschedulableWithADiagnosis() {
    h = new SimHarness();
    h.orchestrator.apply(service("web", 6, 2000, 0));
    h.converge(() -> h.ready("web", 6));

    h.orchestrator.apply(service("db", 1, 2000, 100));
    h.converge(() -> h.ready("db", 1));

    String dbNode = h.running("db").get(0).node();
    h.eventually(() -> assertThat(h.events(OrchestratorEvent.ReplicaRemoved.class)).extracting(OrchestratorEvent.ReplicaRemoved::reason)
        .anyMatch(r -> r.matches("preempted web-\\d \\(priority 0\\) on " + dbNode + " for db-0 \\(priority 100\\)")));
    assertThat(h.running("web")).hasSize(5).extracting(ContainerInfo::node).filteredOn(dbNode::equals).hasSize(1);
    h.converge(() -> h.orchestrator.status("web").replicas().stream().anyMatch(r -> r.state() == ReplicaState.UNSCHEDULABLE));
    assertThat(h.orchestrator.status("web").replicas()).filteredOn(r -> r.state() == ReplicaState.UNSCHEDULABLE)
        .singleElement().satisfies(r -> assertThat(r.lastError()).contains("insufficient cpu: requested 2000m, free 0m"));
    assertThat(h.orchestrator.registry().lookup("web").size()).isEqualTo(5);

    h.orchestrator.delete("db");
    h.converge(() -> h.ready("web", 6));
  }

  @Test
  void equalPrioritiesNeverPreempt() {
    h = new SimHarness();
    h.orchestrator.apply(service("web", 6, 2000, 0));
    h.converge(() -> h.ready("web", 6));
    h.orchestrator.apply(service("batch", 1, 2000, 0));
    h.converge(() -> h.orchestrator.status("batch").replicas().stream().anyMatch(r -> r.state() == ReplicaState.UNSCHEDULABLE));
    assertThat(h.running("web")).hasSize(6);
  }

  @Test
  void aPriorityOutOfRangeIsRejectedNamingTheField() {
    h = new SimHarness();
    assertThatThrownBy(() -> h.orchestrator.apply(service("web", 1, 100, 2_000_000)))
        .isInstanceOf(ValidationException.class).hasMessageContaining("priority").hasMessageContaining("2000000");
  }
}
