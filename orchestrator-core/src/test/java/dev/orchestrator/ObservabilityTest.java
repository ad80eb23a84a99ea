package dev.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestrator.event.OrchestratorEvent;
import dev.orchestrator.spec.Resources;
import dev.orchestrator.spec.ServiceSpec;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.Test;

class ObservabilityTest {

  @Test
  void metricsCountReconcilesReplicasRestartsAndSchedulingFailures() {
    SimpleMeterRegistry meters = new SimpleMeterRegistry();
    try (SimHarness h = new SimHarness(c -> c, b -> b.meterRegistry(meters))) {
      h.orchestrator.apply(ServiceSpec.builder("web").image("web").replicas(2).build());
      h.converge(() -> h.ready("web", 2));
      assertThat(meters.get("orchestrator.replicas").tag("state", "ready").gauge().value()).isEqualTo(2.0);
      assertThat(meters.get("orchestrator.replicas").tag("state", "desired").gauge().value()).isEqualTo(2.0);
      h.eventually(() -> assertThat(meters.find("orchestrator.reconcile.duration").tag("service", "web").tag("outcome", "ok")
          .timers()).isNotEmpty().allSatisfy(t -> assertThat(t.count()).isPositive()));
      assertThat(meters.get("orchestrator.queue.depth").gauge()).isNotNull();

      h.cluster.crash(h.running("web").get(0).id(), 1);
      h.converge(() -> meters.find("orchestrator.restarts").tag("service", "web").counter() != null
          && meters.get("orchestrator.restarts").tag("service", "web").counter().count() == 1.0);

      h.orchestrator.apply(ServiceSpec.builder("huge").image("x").resources(Resources.requests(4000, 8 * Resources.GIB)).replicas(4).build());
      h.converge(() -> meters.find("orchestrator.scheduling.failures").tag("service", "huge").counter() != null);
      assertThat(meters.get("orchestrator.replicas").tag("state", "unschedulable").gauge().value()).isPositive();
    }
  }

  @Test
  void listenersReceiveEventsInOrderOnTheEventThreadNeverTheCallers() {
    Set<String> threads = ConcurrentHashMap.newKeySet();
    try (SimHarness h = new SimHarness()) {
      h.orchestrator.subscribe(e -> threads.add(Thread.currentThread().getName()));
      h.orchestrator.apply(ServiceSpec.builder("web").image("web").replicas(1).build());
      h.converge(() -> h.ready("web", 1));
      h.await(() -> h.events(OrchestratorEvent.ReplicaReady.class).size() == 1);
      List<Class<?>> kinds = h.events.stream().filter(e -> e.service().equals("web")).<Class<?>>map(Object::getClass).distinct().toList();
      assertThat(kinds).containsSubsequence(OrchestratorEvent.ServiceApplied.class, OrchestratorEvent.ReplicaScheduled.class,
          OrchestratorEvent.ReplicaStarted.class, OrchestratorEvent.ReplicaReady.class);
      assertThat(threads).containsOnly("orchestrator-events");
    }
  }

  @Test
  void aFailingListenerDoesNotStopDeliveryToOthers() {
    try (SimHarness h = new SimHarness()) {
      h.orchestrator.subscribe(e -> {
        throw new IllegalStateException("listener bug");
      });
      h.orchestrator.apply(ServiceSpec.builder("web").image("web").replicas(1).build());
      h.converge(() -> h.ready("web", 1));
      h.await(() -> !h.events(OrchestratorEvent.ReplicaReady.class).isEmpty());
      h.eventually(() -> assertThat(h.events(OrchestratorEvent.ReplicaReady.class)).hasSize(1));
    }
  }

  @Test
  void twoOrchestratorsLiveInOneJvmWithoutSharingAnything() {
    try (SimHarness h = new SimHarness(); Orchestrator other = h.start("second")) {
      h.orchestrator.apply(ServiceSpec.builder("web").image("web").replicas(2).build());
      other.apply(ServiceSpec.builder("web").image("web").replicas(1).build());
      h.converge(() -> h.ready("web", 2) && other.status("web").isReady());
      assertThat(other.registry()).isNotSameAs(h.orchestrator.registry());
      assertThat(other.registry().lookup("web").size()).isEqualTo(1);
      assertThat(h.orchestrator.registry().lookup("web").size()).isEqualTo(2);
    }
  }
}
