package dev.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestrator.event.OrchestratorEvent;
import dev.orchestrator.registry.Endpoint;
import dev.orchestrator.runtime.ContainerRequest;
import dev.orchestrator.runtime.ContainerRuntime;
import dev.orchestrator.runtime.OwnerLabels;
import dev.orchestrator.runtime.SelfProbing;
import dev.orchestrator.spec.HealthCheck;
import dev.orchestrator.spec.ServiceSpec;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * A replica that a pass started is published as soon as its readiness passes, while the same pass
 * still waits for the start of another replica (not only by the pass after the last start).
 */
class ReadyWhileStartingTest {
  private final CountDownLatch release = new CountDownLatch(1);
  /** Containers whose start is being held. */
  private final Set<String> held = ConcurrentHashMap.newKeySet();
  private final Set<String> slotOne = ConcurrentHashMap.newKeySet();

  /** The node as the orchestrator sees it: the start of slot 1's container waits for {@link #release}. */
  private ContainerRuntime holdingSlotOne(ContainerRuntime node) {
    return (ContainerRuntime) Proxy.newProxyInstance(getClass().getClassLoader(),
        new Class<?>[] {ContainerRuntime.class, SelfProbing.class}, (proxy, method, args) -> {
          if (method.getName().equals("start") && slotOne.contains((String) args[0])) {
            held.add((String) args[0]);
            release.await(20, TimeUnit.SECONDS);
          }
          try {
            Object result = method.invoke(node, args);
            if (method.getName().equals("create") && "1".equals(((ContainerRequest) args[0]).labels().get(OwnerLabels.SLOT))) {
              slotOne.add((String) result);
            }
            return result;
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  @Test
  void aReadyReplicaIsPublishedWhileItsPassStillWaitsForAnotherStart() {
    // the held start must not time out meanwhile: that would end the pass too
    try (SimHarness h = new SimHarness(c -> c, b -> b.callTimeout(Duration.ofSeconds(30)), this::holdingSlotOne)) {
      h.orchestrator.apply(ServiceSpec.builder("web").image("web").replicas(2)
          .readiness(HealthCheck.exec("ready")).build());

      h.converge(() -> h.events(OrchestratorEvent.ReplicaReady.class).stream().anyMatch(e -> e.replica().equals("web-0")));
      assertThat(held).hasSize(1); // slot 1 is still starting: the pass that started web-0 has not ended
      assertThat(h.orchestrator.registry().lookup("web").endpoints()).extracting(Endpoint::id).containsExactly("web-0");

      release.countDown();
      h.converge(() -> h.ready("web", 2));
      assertThat(h.events(OrchestratorEvent.ReplicaReady.class)).extracting(OrchestratorEvent.ReplicaReady::replica)
          .containsExactly("web-0", "web-1");
    }
  }
}
