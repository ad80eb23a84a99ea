package dev.orchestrator.network.ports;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.orchestrator.Orchestrator;
import dev.orchestrator.OrchestratorException;
import dev.orchestrator.registry.Endpoint;
import dev.orchestrator.simulation.SimulatedCluster;
import dev.orchestrator.spec.PortSpec;
import dev.orchestrator.spec.ServiceSpec;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** The allocator under concurrent use: against a model, from racing threads, and under concurrent applies. */
class PortAllocatorConcurrencyTest {

  /** One operation: allocate (true) or release (false) for holder 0..7. */
  record Op(boolean allocate, int holder) {}

  @Provide
  Arbitrary<List<Op>> operations() {
    return Arbitraries.integers().between(0, 7).flatMap(h -> Arbitraries.of(true, false).map(a -> new Op(a, h)))
        .list().ofMinSize(1).ofMaxSize(60);
  }

  @Property(tries = 300)
  void everyOperationSequenceKeepsOnePortPerHolderAndOneHolderPerPort(@ForAll("operations") List<Op> ops,
      @ForAll("busySets") Set<Integer> busy) {
    PortAllocator ports = new PortAllocator(40000, 40004, p -> !busy.contains(p));
    Map<String, Integer> model = new HashMap<>();
    for (Op op : ops) {
      String holder = "h" + op.holder();
      if (!op.allocate()) {
        ports.releaseHolder(holder);
        model.remove(holder);
        continue;
      }
      Integer before = model.get(holder);
      int freeLeft = 5 - busy.size() - model.size(); // a busy port is never held
      try {
        int port = ports.allocate(holder);
        if (before != null) {
          assertThat(port).as("sticky").isEqualTo(before);
        }
        assertThat(busy).as("a busy port was handed out").doesNotContain(port);
        assertThat(model.containsValue(port) && !Integer.valueOf(port).equals(before)).as("port %d given twice", port).isFalse();
        model.put(holder, port);
      } catch (OrchestratorException e) {
        assertThat(before).as("a holder with a port never fails").isNull();
        assertThat(freeLeft).as("failed with free ports left").isLessThanOrEqualTo(0);
      }
      Map<Integer, String> inverse = new HashMap<>();
      model.forEach((h, p) -> inverse.put(p, h));
      assertThat(ports.held()).isEqualTo(inverse);
    }
  }

  @Provide
  Arbitrary<Set<Integer>> busySets() {
    return Arbitraries.integers().between(40000, 40004).set().ofMaxSize(2);
  }

  @Test
  void racingThreadsNeverShareAPortAndEachKeepsItsOwn() throws Exception {
    PortAllocator ports = new PortAllocator(41000, 41063, p -> true);
    int threads = 8;
    Map<String, Integer> owned = new ConcurrentHashMap<>();
    CountDownLatch go = new CountDownLatch(1);
    ExecutorService pool = Executors.newFixedThreadPool(threads);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int thread = t;
        done.add(pool.submit(() -> {
          go.await();
          ThreadLocalRandom random = ThreadLocalRandom.current();
          for (int i = 0; i < 2000; i++) {
            String holder = "t" + thread + "-" + random.nextInt(8); // 8 holders per thread, 64 in all: never exhausted
            if (random.nextBoolean()) {
              int port = ports.allocate(holder);
              Integer previous = owned.put(holder, port);
              assertThat(previous == null || previous == port).as("%s moved from %s to %d", holder, previous, port).isTrue();
            } else {
              owned.remove(holder);
              ports.releaseHolder(holder);
            }
          }
          return null;
        }));
      }
      go.countDown();
      for (Future<?> f : done) {
        f.get();
      }
    } finally {
      pool.shutdownNow();
    }
    Map<Integer, String> held = ports.held();
    assertThat(new HashSet<>(owned.values())).as("distinct ports").hasSize(owned.size());
    owned.forEach((holder, port) -> assertThat(held).containsEntry(port, holder));
    assertThat(held).hasSize(owned.size());
  }

  @Test
  void concurrentAppliesOfAssignedSpecsAreAllAdmittedAndPublishedOnTheirPorts() throws Exception {
    PortAllocator ports = new PortAllocator(42000, 42099, p -> true);
    int services = 24;
    try (SimulatedCluster cluster = SimulatedCluster.builder().clock(Clock.systemUTC()).node("n1", 64_000, 64L << 30).build();
        Orchestrator orchestrator = Orchestrator.builder().instanceId("ports-" + ThreadLocalRandom.current().nextInt(1 << 20))
            .nodes(cluster.runtimes()).build()) {
      ExecutorService pool = Executors.newFixedThreadPool(6);
      CountDownLatch go = new CountDownLatch(1);
      List<Future<ServiceSpec>> applied = new ArrayList<>();
      try {
        for (int i = 0; i < services; i++) {
          ServiceSpec spec = ServiceSpec.builder("s" + i).image("web").port(PortSpec.tcp("http", 8080)).build();
          applied.add(pool.submit(() -> {
            go.await();
            ServiceSpec assigned = ports.assign(spec);
            orchestrator.apply(assigned);
            return assigned;
          }));
        }
        go.countDown();
        Map<String, Integer> expected = new HashMap<>();
        for (Future<ServiceSpec> f : applied) {
          ServiceSpec s = f.get();
          expected.put(s.name(), s.ports().get(0).hostPort());
        }
        assertThat(new HashSet<>(expected.values())).hasSize(services);
        await().atMost(Duration.ofSeconds(20)).untilAsserted(() -> expected.forEach((service, port) -> {
          List<Endpoint> endpoints = orchestrator.registry().lookup(service).endpoints();
          assertThat(endpoints).as(service).singleElement().satisfies(e -> assertThat(e.port("http")).isEqualTo(port));
        }));
      } finally {
        pool.shutdownNow();
      }
    }
  }
}
