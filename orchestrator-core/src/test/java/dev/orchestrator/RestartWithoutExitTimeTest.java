package dev.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestrator.event.OrchestratorEvent;
import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.ContainerRuntime;
import dev.orchestrator.simulation.SimulatedImage;
import dev.orchestrator.spec.RestartPolicy;
import dev.orchestrator.spec.ServiceSpec;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.function.UnaryOperator;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Docker reports no exit time (FinishedAt) for a container whose start failed (exit code 128):
 * its restart backoff must still end.
 */
class RestartWithoutExitTimeTest {
  private SimHarness h;

  @AfterEach
  void tearDown() {
    SimHarness.closeChecked(h);
  }

  @Test
  void aReplicaThatExitedWithoutAnExitTimeIsRestartedAfterItsBackoff() {
    h = new SimHarness(c -> c.image("crash", SimulatedImage.exitsAfter(Duration.ofMillis(100), 128)), b -> b,
        RestartWithoutExitTimeTest::withoutExitTimes);
    h.orchestrator.apply(ServiceSpec.builder("loop").image("crash").replicas(1)
        .restartPolicy(RestartPolicy.defaults().withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(4), 2.0)).build());

    h.converge(Duration.ofMillis(100), () -> h.events(OrchestratorEvent.ReplicaStarted.class).size() >= 3);

    assertThat(h.events(OrchestratorEvent.ReplicaRestarting.class)).extracting(OrchestratorEvent.ReplicaRestarting::backoff)
        .startsWith(Duration.ofSeconds(1), Duration.ofSeconds(2));
  }

  /** The runtime, reporting every container without its exit time. */
  private static ContainerRuntime withoutExitTimes(ContainerRuntime runtime) {
    UnaryOperator<ContainerInfo> strip = c -> new ContainerInfo(c.id(), c.name(), c.node(), c.image(), c.labels(), c.state(),
        c.exitCode(), c.oomKilled(), c.startedAt(), null, c.ports());
    return (ContainerRuntime) Proxy.newProxyInstance(ContainerRuntime.class.getClassLoader(), new Class<?>[] {ContainerRuntime.class},
        (proxy, method, args) -> {
          Object result;
          try {
            result = method.invoke(runtime, args);
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
          if (result instanceof List<?> list && method.getName().equals("list")) {
            return list.stream().map(c -> strip.apply((ContainerInfo) c)).toList();
          }
          if (result instanceof Optional<?> found && method.getName().equals("inspect")) {
            return found.map(c -> strip.apply((ContainerInfo) c));
          }
          return result;
        });
  }
}
