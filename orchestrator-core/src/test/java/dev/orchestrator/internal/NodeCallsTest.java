package dev.orchestrator.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orchestrator.runtime.ContainerRuntime;
import dev.orchestrator.runtime.RuntimeTimeoutException;
import dev.orchestrator.simulation.SimulatedCluster;
import dev.orchestrator.spec.Resources;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Where a node's calls run: on the engine pool behind a deadline, or inline for a runtime that never blocks. */
class NodeCallsTest {
  private final ExecutorService engine = Executors.newFixedThreadPool(1, r -> new Thread(r, "test-engine"));
  private final SimulatedCluster sim = SimulatedCluster.builder().nodes("node", 1, 4000, 4096 * Resources.MIB).build();

  @AfterEach
  void tearDown() {
    engine.shutdownNow();
    sim.close();
  }

  /** The simulated node, claiming that its calls may block. */
  private ContainerRuntime blocking() {
    ContainerRuntime delegate = sim.node("node-1");
    return (ContainerRuntime) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {ContainerRuntime.class},
        (proxy, method, args) -> method.getName().equals("mayBlock") ? true : method.invoke(delegate, args));
  }

  @Test
  void a_runtime_that_never_blocks_is_called_on_the_callers_thread() {
    ContainerRuntime runtime = sim.node("node-1");
    Node node = new Node(runtime, runtime.node(), engine, Duration.ofSeconds(5), name -> { });

    assertThat(runtime.mayBlock()).isFalse();
    assertThat(node.call("list", "", () -> Thread.currentThread().getName())).isEqualTo(Thread.currentThread().getName());
  }

  @Test
  void a_runtime_that_may_block_is_called_on_the_engine_pool_and_a_hang_times_out() throws Exception {
    ContainerRuntime runtime = blocking();
    List<String> lost = new ArrayList<>();
    Node node = new Node(runtime, runtime.node(), engine, Duration.ofMillis(50), lost::add);
    CountDownLatch never = new CountDownLatch(1);

    assertThat(node.call("list", "", () -> Thread.currentThread().getName())).isEqualTo("test-engine");
    assertThatThrownBy(() -> node.call("list", "", () -> never.await(5, TimeUnit.SECONDS)))
        .isInstanceOf(RuntimeTimeoutException.class)
        .hasMessageContaining("list on node node-1 did not answer within 50 ms");
    assertThat(lost).containsExactly("node-1");
  }
}
