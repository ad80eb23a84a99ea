package dev.orchestrator.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.orchestrator.runtime.ContainerRuntime;
import dev.orchestrator.runtime.ContainerRuntimeException;
import dev.orchestrator.simulation.SimulatedCluster;
import dev.orchestrator.spec.Resources;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** A node runs at most its runtime's {@link ContainerRuntime#parallelism()} replica starts at once. */
class NodeStartsTest {
  private final ExecutorService engine = Executors.newFixedThreadPool(2);
  private final ExecutorService creators = Executors.newFixedThreadPool(8);
  private final SimulatedCluster sim = SimulatedCluster.builder().nodes("node", 1, 4000, 4096 * Resources.MIB).build();

  @AfterEach
  void tearDown() {
    engine.shutdownNow();
    creators.shutdownNow();
    sim.close();
  }

  /** The simulated node, claiming to serve {@code parallelism} calls at once. */
  private ContainerRuntime withParallelism(int parallelism) {
    ContainerRuntime delegate = sim.node("node-1");
    return (ContainerRuntime) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {ContainerRuntime.class},
        (proxy, method, args) -> method.getName().equals("parallelism") ? parallelism : method.invoke(delegate, args));
  }

  @Test
  void starts_beyond_the_runtimes_parallelism_wait_for_a_free_slot() throws Exception {
    ContainerRuntime runtime = withParallelism(2);
    Node node = new Node(runtime, runtime.node(), engine, Duration.ofSeconds(5), name -> { });
    AtomicInteger running = new AtomicInteger();
    AtomicInteger most = new AtomicInteger();
    CountDownLatch release = new CountDownLatch(1);
    List<Future<String>> starts = new ArrayList<>();
    for (int i = 0; i < 6; i++) {
      String replica = "web-" + i;
      starts.add(creators.submit(() -> node.starting(replica, () -> {
        most.accumulateAndGet(running.incrementAndGet(), Math::max);
        release.await(5, TimeUnit.SECONDS);
        running.decrementAndGet();
        return replica;
      })));
    }
    await().atMost(Duration.ofSeconds(5)).until(() -> running.get() == 2);
    Thread.sleep(100); // the other four keep waiting while the two run
    assertThat(running.get()).isEqualTo(2);
    release.countDown();
    for (Future<String> f : starts) {
      f.get(5, TimeUnit.SECONDS);
    }
    assertThat(most.get()).isEqualTo(2);
  }

  @Test
  void a_start_that_finds_no_free_slot_in_time_fails_without_running() throws Exception {
    ContainerRuntime runtime = withParallelism(1);
    Node node = new Node(runtime, runtime.node(), engine, Duration.ofMillis(25), name -> { });
    CountDownLatch holding = new CountDownLatch(1);
    CountDownLatch release = new CountDownLatch(1);
    Future<?> first = creators.submit(() -> node.starting("web-0", () -> {
      holding.countDown();
      return release.await(5, TimeUnit.SECONDS);
    }));
    assertThat(holding.await(5, TimeUnit.SECONDS)).isTrue();
    AtomicInteger ran = new AtomicInteger();
    assertThatThrownBy(() -> node.starting("web-1", ran::incrementAndGet))
        .isInstanceOf(ContainerRuntimeException.class).hasMessageContaining("no start slot free on node node-1");
    assertThat(ran.get()).isZero();
    release.countDown();
    first.get(5, TimeUnit.SECONDS);
  }
}
