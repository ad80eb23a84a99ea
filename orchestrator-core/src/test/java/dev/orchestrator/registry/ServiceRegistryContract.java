package dev.orchestrator.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.orchestrator.Subscription;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The behaviour every {@link ServiceRegistry} must show. Extend it and implement
 * {@link #newRegistry()}; a registry that is {@link AutoCloseable} is closed after each test.
 */
public abstract class ServiceRegistryContract {
  private static final Duration TIMEOUT = Duration.ofSeconds(10);

  protected ServiceRegistry registry;
  private final List<Subscription> subscriptions = new ArrayList<>();

  /** A fresh, empty registry. */
  protected abstract ServiceRegistry newRegistry();

  @BeforeEach
  void createRegistry() {
    registry = newRegistry();
  }

  @AfterEach
  void closeRegistry() throws Exception {
    subscriptions.forEach(Subscription::close);
    if (registry instanceof AutoCloseable closeable) {
      closeable.close();
    }
  }

  protected static Endpoint endpoint(String service, int slot, int port) {
    return new Endpoint(service, service + "-" + slot, "node-1", "127.0.0.1", Map.of("http", port), Map.of("slot", "" + slot));
  }

  @Test
  void aServiceNeverRegisteredIsEmptyAtVersionZero() {
    EndpointSet set = registry.lookup("web");

    assertThat(set.service()).isEqualTo("web");
    assertThat(set.version()).isZero();
    assertThat(set.endpoints()).isEmpty();
    assertThat(registry.services()).isEmpty();
  }

  @Test
  void registeredEndpointsAreFoundSortedByIdAndDeregisteredOnesAreGone() {
    registry.register(endpoint("web", 1, 8081));
    registry.register(endpoint("web", 0, 8080));
    registry.register(endpoint("db", 0, 5432));

    assertThat(registry.lookup("web").endpoints()).containsExactly(endpoint("web", 0, 8080), endpoint("web", 1, 8081));
    assertThat(registry.services()).containsExactlyInAnyOrder("web", "db");

    registry.deregister("web", "web-0");
    registry.deregister("db", "db-0");

    assertThat(registry.lookup("web").endpoints()).containsExactly(endpoint("web", 1, 8081));
    assertThat(registry.services()).containsExactly("web");
  }

  @Test
  void theVersionGrowsOnEveryRealChangeAndOnlyThen() {
    registry.register(endpoint("web", 0, 8080));
    assertThat(registry.lookup("web").version()).isEqualTo(1);

    registry.register(endpoint("web", 0, 8080));
    registry.deregister("web", "web-9");
    assertThat(registry.lookup("web").version()).isEqualTo(1);

    registry.register(endpoint("web", 0, 9090));
    assertThat(registry.lookup("web").version()).isEqualTo(2);
    assertThat(registry.lookup("web").endpoints()).containsExactly(endpoint("web", 0, 9090));

    registry.deregister("web", "web-0");
    registry.register(endpoint("web", 0, 9090));
    assertThat(registry.lookup("web").version()).isEqualTo(4);
    assertThat(registry.lookup("other").version()).isZero();
  }

  @Test
  void aWatcherGetsTheCurrentSetAtOnceThenEveryChangeInOrderOffTheCallersThread() {
    registry.register(endpoint("web", 0, 8080));
    List<EndpointSet> seen = new CopyOnWriteArrayList<>();
    List<Thread> threads = new CopyOnWriteArrayList<>();
    watch("web", set -> {
      threads.add(Thread.currentThread());
      seen.add(set);
    });
    await().atMost(TIMEOUT).until(() -> seen.size() == 1);

    registry.register(endpoint("web", 1, 8081));
    await().atMost(TIMEOUT).until(() -> seen.size() == 2);
    registry.deregister("web", "web-0");
    await().atMost(TIMEOUT).until(() -> seen.size() == 3);

    assertThat(seen).extracting(EndpointSet::version).containsExactly(1L, 2L, 3L);
    assertThat(seen).extracting(s -> s.endpoints().stream().map(Endpoint::id).toList())
        .containsExactly(List.of("web-0"), List.of("web-0", "web-1"), List.of("web-1"));
    assertThat(threads).doesNotContain(Thread.currentThread());
  }

  @Test
  void watchingAnUnknownServiceDeliversAnEmptySetAtVersionZero() {
    AtomicReference<EndpointSet> seen = new AtomicReference<>();
    watch("nobody", seen::set);

    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(seen.get()).isEqualTo(new EndpointSet("nobody", 0, List.of())));
  }

  @Test
  void manyConcurrentWatchersAllEndOnTheLatestVersionWithoutGoingBackwards() throws Exception {
    int watchers = 16;
    List<List<Long>> versions = new ArrayList<>();
    for (int i = 0; i < watchers; i++) {
      List<Long> seen = new CopyOnWriteArrayList<>();
      versions.add(seen);
      watch("web", set -> seen.add(set.version()));
    }
    ExecutorService writers = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int w = 0; w < 4; w++) {
        int writer = w;
        done.add(writers.submit(() -> {
          for (int i = 0; i < 50; i++) {
            registry.register(endpoint("web", writer * 100 + i % 10, 8000 + i));
          }
        }));
      }
      for (Future<?> f : done) {
        f.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      }
    } finally {
      writers.shutdownNow();
    }
    long latest = registry.lookup("web").version();
    assertThat(latest).isEqualTo(4 * 50);

    await().atMost(TIMEOUT).until(() -> versions.stream().allMatch(v -> !v.isEmpty() && v.get(v.size() - 1) == latest));
    assertThat(versions).allSatisfy(v -> assertThat(v).isSorted().doesNotHaveDuplicates());
  }

  @Test
  void aBlockedWatcherDelaysNeitherAnotherWatcherNorTheCaller() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    List<Long> slow = new CopyOnWriteArrayList<>();
    List<Long> fast = new CopyOnWriteArrayList<>();
    try {
      watch("web", set -> {
        slow.add(set.version());
        awaitQuietly(release);
      });
      watch("web", set -> fast.add(set.version()));
      await().atMost(TIMEOUT).until(() -> slow.size() == 1);

      for (int i = 0; i < 5; i++) {
        registry.register(endpoint("web", i, 8080));
      }

      await().atMost(TIMEOUT).until(() -> !fast.isEmpty() && fast.get(fast.size() - 1) == 5);
      assertThat(slow).containsExactly(0L);
    } finally {
      release.countDown();
    }
    await().atMost(TIMEOUT).until(() -> slow.get(slow.size() - 1) == 5);
    assertThat(slow).isSorted().doesNotHaveDuplicates();
  }

  @Test
  void aClosedSubscriptionGetsNothingMore() {
    List<Long> seen = new CopyOnWriteArrayList<>();
    List<Long> other = new CopyOnWriteArrayList<>();
    Subscription subscription = watch("web", set -> seen.add(set.version()));
    watch("web", set -> other.add(set.version()));
    registry.register(endpoint("web", 0, 8080));
    await().atMost(TIMEOUT).until(() -> seen.contains(1L));

    subscription.close();
    subscription.close();
    registry.register(endpoint("web", 1, 8081));
    registry.register(endpoint("web", 2, 8082));

    await().atMost(TIMEOUT).until(() -> other.contains(3L));
    await().during(Duration.ofMillis(300)).atMost(TIMEOUT).until(() -> seen.stream().allMatch(v -> v <= 1));
  }

  @Test
  void aListenerThatThrowsStillReceivesLaterVersions() {
    List<Long> seen = new CopyOnWriteArrayList<>();
    watch("web", set -> {
      seen.add(set.version());
      throw new IllegalStateException("listener bug");
    });
    await().atMost(TIMEOUT).until(() -> seen.contains(0L));

    registry.register(endpoint("web", 0, 8080));

    await().atMost(TIMEOUT).until(() -> seen.contains(1L));
  }

  @Test
  void underManyWritersAndWatchersEverySnapshotOfAVersionIsTheSameAndEveryWatcherEndsOnTheLatest() throws Exception {
    List<String> services = List.of("web", "db", "cache");
    int watchersPerService = 12;
    Map<String, List<List<EndpointSet>>> seen = new java.util.HashMap<>();
    for (String service : services) {
      List<List<EndpointSet>> perWatcher = new ArrayList<>();
      for (int w = 0; w < watchersPerService; w++) {
        List<EndpointSet> sets = new CopyOnWriteArrayList<>();
        perWatcher.add(sets);
        boolean slow = w % 4 == 0;
        watch(service, set -> {
          sets.add(set);
          if (slow) {
            Thread.yield();
            java.util.concurrent.locks.LockSupport.parkNanos(200_000);
          }
        });
      }
      seen.put(service, perWatcher);
    }
    int writers = 6;
    int changes = 300;
    ExecutorService pool = Executors.newFixedThreadPool(writers);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < writers; t++) {
        int writer = t;
        done.add(pool.submit(() -> {
          java.util.Random random = new java.util.Random(writer);
          for (int i = 0; i < changes; i++) {
            String service = services.get(random.nextInt(services.size()));
            int slot = random.nextInt(8);
            if (random.nextInt(3) == 0) {
              registry.deregister(service, service + "-" + slot);
            } else {
              registry.register(endpoint(service, slot, 8000 + random.nextInt(4)));
            }
          }
        }));
      }
      for (Future<?> f : done) {
        f.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }

    for (String service : services) {
      EndpointSet latest = registry.lookup(service);
      List<List<EndpointSet>> perWatcher = seen.get(service);
      await().atMost(TIMEOUT).until(() -> perWatcher.stream().allMatch(sets -> !sets.isEmpty() && sets.get(sets.size() - 1).version() == latest.version()));
      Map<Long, EndpointSet> byVersion = new java.util.HashMap<>();
      for (List<EndpointSet> sets : perWatcher) {
        assertThat(sets.get(sets.size() - 1)).isEqualTo(latest);
        assertThat(sets).extracting(EndpointSet::version).isSorted().doesNotHaveDuplicates();
        for (EndpointSet set : sets) {
          EndpointSet first = byVersion.putIfAbsent(set.version(), set);
          assertThat(first == null ? set : first).as("%s version %d seen by two watchers", service, set.version()).isEqualTo(set);
        }
      }
    }
  }

  @Test
  void watchersComingAndGoingDuringChangesEachSeeIncreasingVersionsEndingOnTheLatest() throws Exception {
    AtomicReference<Throwable> failure = new AtomicReference<>();
    java.util.concurrent.atomic.AtomicBoolean stop = new java.util.concurrent.atomic.AtomicBoolean();
    Thread writer = new Thread(() -> {
      for (int i = 0; !stop.get(); i++) {
        registry.register(endpoint("web", i % 5, 8000 + i % 7));
        java.util.concurrent.locks.LockSupport.parkNanos(20_000);
      }
    }, "contract-writer");
    writer.start();
    List<List<Long>> kept = new ArrayList<>();
    try {
      for (int round = 0; round < 30; round++) {
        List<Long> versions = new CopyOnWriteArrayList<>();
        Subscription s = registry.watch("web", set -> versions.add(set.version()));
        if (round % 2 == 0) {
          await().pollInterval(Duration.ofMillis(1)).atMost(TIMEOUT).until(() -> !versions.isEmpty());
          s.close();
        } else {
          subscriptions.add(s);
          kept.add(versions);
        }
        assertThat(versions).isSorted().doesNotHaveDuplicates();
      }
    } catch (Throwable t) {
      failure.set(t);
    } finally {
      stop.set(true);
      writer.join(TIMEOUT.toMillis());
    }
    assertThat(failure.get()).isNull();
    long latest = registry.lookup("web").version();
    await().atMost(TIMEOUT).until(() -> kept.stream().allMatch(v -> !v.isEmpty() && v.get(v.size() - 1) == latest));
    assertThat(kept).allSatisfy(v -> assertThat(v).isSorted().doesNotHaveDuplicates());
  }

  @Test
  void watchersBlockedForeverDelayNeitherRegistrationNorOtherWatchers() throws Exception {
    CountDownLatch release = new CountDownLatch(1);
    try {
      for (int i = 0; i < 8; i++) {
        watch("web", set -> awaitQuietly(release));
      }
      List<Long> fast = new CopyOnWriteArrayList<>();
      watch("web", set -> fast.add(set.version()));
      ExecutorService caller = Executors.newSingleThreadExecutor();
      try {
        Future<?> writes = caller.submit(() -> {
          for (int i = 0; i < 500; i++) {
            registry.register(endpoint("web", i % 20, 8000 + i));
          }
        });
        writes.get(TIMEOUT.toSeconds(), TimeUnit.SECONDS);
      } finally {
        caller.shutdownNow();
      }
      await().atMost(TIMEOUT).until(() -> !fast.isEmpty() && fast.get(fast.size() - 1) == 500);
    } finally {
      release.countDown();
    }
  }

  /** Watches and closes the subscription after the test. */
  protected Subscription watch(String service, Consumer<EndpointSet> listener) {
    Subscription subscription = registry.watch(service, listener);
    subscriptions.add(subscription);
    return subscription;
  }

  private static void awaitQuietly(CountDownLatch latch) {
    try {
      latch.await();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
