package dev.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestrator.event.OrchestratorEvent;
import dev.orchestrator.runtime.ContainerRuntime;
import dev.orchestrator.spec.HealthCheck;
import dev.orchestrator.spec.ServiceSpec;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * The pass that starts a replica waits briefly for its first readiness verdict and publishes it
 * ready itself, instead of leaving that to the next pass (which lists the node first: its entry is
 * dirty from the start).
 */
class FirstVerdictSimulationTest {
  private final AtomicBoolean created = new AtomicBoolean();
  private final CountDownLatch listsHeld = new CountDownLatch(1);

  /**
   * The node as the orchestrator sees it: a probe answers 5 ms late (after the start returned, as
   * over a network), and once a container is being created every listing waits until the test ends.
   */
  private ContainerRuntime holdingListsAfterCreate(ContainerRuntime node) {
    return SimHarness.watched(node, call -> {
      if (call.equals("create")) {
        created.set(true);
      } else if (call.equals("list") && created.get()) {
        listsHeld.await(10, TimeUnit.SECONDS);
      } else if (call.equals("probe")) {
        Thread.sleep(5);
      }
    });
  }

  @Test
  void the_starting_pass_publishes_a_replica_that_is_ready_at_once() {
    SimHarness h = new SimHarness(c -> c, b -> b, this::holdingListsAfterCreate);
    try {
      h.orchestrator.apply(ServiceSpec.builder("web").image("web:1").port(8080).replicas(1)
          .readiness(HealthCheck.http(8080, "/ready").withInterval(Duration.ofSeconds(30))).build());

      org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(3)) // lists are held 10 s: no pass after the start helps
          .until(() -> !h.events(OrchestratorEvent.ReplicaReady.class).isEmpty());
      assertThat(created).isTrue();
      assertThat(h.orchestrator.registry().lookup("web").size()).isEqualTo(1);
    } finally {
      listsHeld.countDown();
      h.close();
    }
  }
}
