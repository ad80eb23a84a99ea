package dev.orchestrator.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import org.junit.jupiter.api.Test;

class InMemoryServiceRegistryTest extends ServiceRegistryContract {

  @Override
  protected ServiceRegistry newRegistry() {
    return new InMemoryServiceRegistry();
  }

  @Test
  void deliveriesRunOnTheGivenExecutor() {
    ExecutorService executor = Executors.newSingleThreadExecutor(task -> new Thread(task, "given-executor"));
    try (InMemoryServiceRegistry own = new InMemoryServiceRegistry(executor)) {
      List<String> threads = new CopyOnWriteArrayList<>();
      List<Long> versions = new CopyOnWriteArrayList<>();
      own.watch("web", set -> {
        threads.add(Thread.currentThread().getName());
        versions.add(set.version());
      });
      own.register(endpoint("web", 0, 8080));

      await().atMost(Duration.ofSeconds(10)).until(() -> versions.contains(1L));
      assertThat(threads).containsOnly("given-executor");
    } finally {
      executor.shutdownNow();
    }
  }

  @Test
  void closingTheRegistryStopsDeliveriesButKeepsItsState() {
    InMemoryServiceRegistry own = new InMemoryServiceRegistry();
    List<Long> seen = new CopyOnWriteArrayList<>();
    own.watch("web", set -> seen.add(set.version()));
    await().atMost(Duration.ofSeconds(10)).until(() -> seen.contains(0L));

    own.close();
    own.register(endpoint("web", 0, 8080));

    assertThat(own.lookup("web").version()).isEqualTo(1);
    await().during(Duration.ofMillis(200)).atMost(Duration.ofSeconds(10)).until(() -> seen.equals(List.of(0L)));
  }
}
