package dev.orchestrator.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * The registry against a model (a sorted map per service): after any sequence of registrations and
 * deregistrations, lookups equal the model, the version counts exactly the real changes, and a
 * watcher ends on exactly the final set, having seen only increasing versions, each equal to
 * what the model held at that version.
 */
class InMemoryServiceRegistryProperties {

  record Op(boolean register, String service, int slot, int port) {}

  @Provide
  Arbitrary<List<Op>> ops() {
    return Combinators.combine(Arbitraries.of(true, true, false), Arbitraries.of("web", "db"), Arbitraries.integers().between(0, 4),
        Arbitraries.integers().between(8000, 8002)).as(Op::new).list().ofMaxSize(60);
  }

  @Property(tries = 60)
  void theRegistryBehavesLikeTheModelAndWatchersSeeItsVersions(@ForAll("ops") List<Op> ops) {
    try (InMemoryServiceRegistry registry = new InMemoryServiceRegistry()) {
      Map<String, List<EndpointSet>> seen = new HashMap<>();
      for (String service : List.of("web", "db")) {
        List<EndpointSet> sets = new CopyOnWriteArrayList<>();
        seen.put(service, sets);
        registry.watch(service, sets::add);
      }
      Map<String, TreeMap<String, Endpoint>> model = new HashMap<>(Map.of("web", new TreeMap<>(), "db", new TreeMap<>()));
      Map<String, Long> versions = new HashMap<>(Map.of("web", 0L, "db", 0L));
      Map<String, Map<Long, List<Endpoint>>> history = new HashMap<>(Map.of("web", new HashMap<>(Map.of(0L, List.of())),
          "db", new HashMap<>(Map.of(0L, List.of()))));

      for (Op op : ops) {
        Endpoint endpoint = ServiceRegistryContract.endpoint(op.service(), op.slot(), op.port());
        TreeMap<String, Endpoint> endpoints = model.get(op.service());
        boolean changed;
        if (op.register()) {
          changed = !endpoint.equals(endpoints.put(endpoint.id(), endpoint));
          registry.register(endpoint);
        } else {
          changed = endpoints.remove(endpoint.id()) != null;
          registry.deregister(op.service(), endpoint.id());
        }
        if (changed) {
          long v = versions.merge(op.service(), 1L, Long::sum);
          history.get(op.service()).put(v, new ArrayList<>(endpoints.values()));
        }
        EndpointSet now = registry.lookup(op.service());
        assertThat(now.version()).isEqualTo(versions.get(op.service()));
        assertThat(now.endpoints()).containsExactlyElementsOf(endpoints.values());
      }

      for (String service : List.of("web", "db")) {
        List<EndpointSet> sets = seen.get(service);
        long last = versions.get(service);
        await().pollDelay(Duration.ZERO).pollInterval(Duration.ofMillis(1)).atMost(Duration.ofSeconds(10))
            .until(() -> !sets.isEmpty() && sets.get(sets.size() - 1).version() == last);
        assertThat(sets).extracting(EndpointSet::version).isSorted().doesNotHaveDuplicates();
        for (EndpointSet set : sets) {
          assertThat(set.endpoints()).containsExactlyElementsOf(history.get(service).get(set.version()));
        }
      }
      assertThat(registry.services()).containsExactlyInAnyOrderElementsOf(
          model.entrySet().stream().filter(e -> !e.getValue().isEmpty()).map(Map.Entry::getKey).toList());
    }
  }
}
