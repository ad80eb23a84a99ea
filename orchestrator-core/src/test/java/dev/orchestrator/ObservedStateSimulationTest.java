package dev.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestrator.spec.ServiceSpec;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.search.Search;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Passes read the observed-state cache: in a steady state only the resync lists, once per node. */
class ObservedStateSimulationTest {
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private SimHarness h;

  @AfterEach
  void tearDown() {
    SimHarness.closeChecked(h);
  }

  private long passes() {
    return Search.in(meters).name("orchestrator.reconcile.duration").timers().stream().mapToLong(Timer::count).sum();
  }

  /** Waits until no pass has finished for 300 ms (real time). */
  private void settle() {
    AtomicLong last = new AtomicLong(-1);
    Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(20))
        .during(Duration.ofMillis(300)).until(() -> last.getAndSet(passes()) == passes());
  }

  private void resync() {
    long lists = h.cluster.stats().lists();
    long before = passes();
    h.orchestrator.resync();
    h.await(() -> passes() >= before + 2 && h.cluster.stats().lists() >= lists + 3);
  }

  @Test
  void aResyncWithNothingToDoListsEachNodeOnceAndItsPassesListNothing() {
    h = new SimHarness(c -> c, b -> b.meterRegistry(meters));
    h.orchestrator.apply(ServiceSpec.builder("web").image("web").replicas(3).build());
    h.orchestrator.apply(ServiceSpec.builder("db").image("db").replicas(2).build());
    h.converge(() -> h.ready("web", 3) && h.ready("db", 2));
    settle(); // the passes after the last creates and their events read their entries once more

    long lists = h.cluster.stats().lists();
    resync();

    assertThat(h.cluster.stats().lists() - lists).as("one full listing per node, none per pass").isEqualTo(3);
    assertThat(h.running("web")).hasSize(3);
  }

  @Test
  void scalingUpByOneListsNothing() {
    h = new SimHarness(c -> c, b -> b.meterRegistry(meters));
    h.orchestrator.apply(ServiceSpec.builder("web").image("web").replicas(2).build());
    h.converge(() -> h.ready("web", 2));
    settle();

    long lists = h.cluster.stats().lists();
    for (int replicas = 3; replicas <= 5; replicas++) {
      int wanted = replicas;
      h.orchestrator.apply(ServiceSpec.builder("web").image("web").replicas(wanted).build());
      h.converge(() -> h.ready("web", wanted));
      settle(); // the passes after the create and its events
    }

    assertThat(h.cluster.stats().lists() - lists).as("each new container written through; its own events explained").isZero();
    assertThat(h.running("web")).hasSize(5);
  }
}
