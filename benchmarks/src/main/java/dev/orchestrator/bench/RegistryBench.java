package dev.orchestrator.bench;

import dev.orchestrator.Subscription;
import dev.orchestrator.registry.Endpoint;
import dev.orchestrator.registry.EndpointSet;
import dev.orchestrator.registry.InMemoryServiceRegistry;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

/**
 * The in-memory service registry with {@code --endpoints=10000} endpoints and {@code --watchers=100}
 * watchers, in two layouts: every endpoint in one service that every watcher watches (each change
 * copies the whole set and notifies all watchers), and the endpoints spread evenly over as many
 * services as there are watchers (one watcher each). Per layout: bulk registration and
 * deregistration throughput from one thread (and the time until every watcher holds the final
 * version), then {@code --paced=1000} changes one per millisecond, with the watch-notify latency
 * (change call to delivery, per watcher and delivered version) and how many versions watchers
 * skipped (coalescing).
 */
public final class RegistryBench {
  private RegistryBench() {}

  public static void main(String[] args) throws Exception {
    int endpoints = Integer.parseInt(Bench.arg(args, "endpoints", "10000"));
    int watchers = Integer.parseInt(Bench.arg(args, "watchers", "100"));
    int paced = Integer.parseInt(Bench.arg(args, "paced", "1000"));
    System.out.printf(Locale.ROOT, "%d endpoints, %d watchers, %d cores%n", endpoints, watchers, Runtime.getRuntime().availableProcessors());
    List<List<String>> rows = new ArrayList<>();
    for (int round = 0; round < 2; round++) { // the first round warms the JIT up
      rows.clear();
      rows.addAll(layout("1 service, all watch it", endpoints, watchers, 1, paced));
      rows.addAll(layout(watchers + " services, 1 watcher each", endpoints, watchers, watchers, paced));
    }
    Stats.table("Service registry (in memory): throughput from one thread, convergence, watch-notify latency",
        List.of("layout", "phase", "changes", "changes/s", "all watchers on final version", "deliveries", "notify p50 ms", "notify p99 ms",
            "notify max ms"), rows);
  }

  private static List<List<String>> layout(String name, int endpoints, int watchers, int services, int paced) throws Exception {
    List<List<String>> rows = new ArrayList<>();
    try (InMemoryServiceRegistry registry = new InMemoryServiceRegistry()) {
      Probe probe = new Probe();
      List<Subscription> subs = new ArrayList<>();
      for (int w = 0; w < watchers; w++) {
        String service = "svc" + (w % services);
        subs.add(registry.watch(service, probe::delivered));
      }
      probe.awaitAll(registry, services, watchers);
      rows.add(bulk(name, "register", registry, probe, endpoints, services, watchers, true));
      rows.add(pacedChanges(name, registry, probe, paced, services, endpoints, watchers));
      rows.add(bulk(name, "deregister", registry, probe, endpoints, services, watchers, false));
      subs.forEach(Subscription::close);
    }
    return rows;
  }

  private static List<String> bulk(String layout, String phase, InMemoryServiceRegistry registry, Probe probe, int endpoints, int services,
      int watchers, boolean register) throws Exception {
    probe.reset();
    long start = System.nanoTime();
    for (int i = 0; i < endpoints; i++) {
      String service = "svc" + (i % services);
      if (register) {
        registry.register(endpoint(service, i, 8080));
      } else {
        registry.deregister(service, service + "-" + i);
      }
    }
    long called = System.nanoTime();
    probe.awaitAll(registry, services, watchers);
    long converged = System.nanoTime();
    return List.of(layout, phase, "" + endpoints, String.format(Locale.ROOT, "%.0f", endpoints / ((called - start) / 1e9)),
        String.format(Locale.ROOT, "%.1f ms", (converged - start) / 1e6), "" + probe.deliveries(), "-", "-", "-");
  }

  private static List<String> pacedChanges(String layout, InMemoryServiceRegistry registry, Probe probe, int changes, int services,
      int endpoints, int watchers) throws Exception {
    probe.reset();
    long start = System.nanoTime();
    for (int i = 0; i < changes; i++) {
      String service = "svc" + (i % services);
      int id = i % endpoints;
      long t0 = System.nanoTime();
      probe.started(service, registry.lookup(service).version() + 1, t0);
      registry.register(endpoint(service, id - id % services + i % services, 9000 + i));
      LockSupport.parkNanos(Math.max(0, start + (i + 1) * 1_000_000L - System.nanoTime()));
    }
    probe.awaitAll(registry, services, watchers);
    Stats latency = new Stats(probe.latenciesMs());
    return List.of(layout, "paced 1/ms", "" + changes, String.format(Locale.ROOT, "%.0f", changes / ((System.nanoTime() - start) / 1e9)),
        "-", probe.deliveries() + " of " + (long) changes * watchers / services, Stats.f2(latency.p(50)), Stats.f2(latency.p(99)),
        Stats.f2(latency.max()));
  }

  private static Endpoint endpoint(String service, int i, int port) {
    return new Endpoint(service, service + "-" + i, "node-1", "127.0.0.1", Map.of("http", port), Map.of("slot", "" + i));
  }

  /** What the watchers saw: deliveries, how many watchers got each version, latencies of timed versions. */
  private static final class Probe {
    private final Map<String, Map<Long, Long>> startedAt = new ConcurrentHashMap<>();
    private final Map<String, Map<Long, AtomicInteger>> receivers = new ConcurrentHashMap<>();
    private final List<Double> latencies = Collections.synchronizedList(new ArrayList<>());
    private final AtomicLong deliveries = new AtomicLong();

    void started(String service, long version, long nanos) {
      startedAt.computeIfAbsent(service, s -> new ConcurrentHashMap<>()).put(version, nanos);
    }

    void delivered(EndpointSet set) {
      long now = System.nanoTime();
      deliveries.incrementAndGet();
      Map<Long, Long> times = startedAt.get(set.service());
      Long t0 = times == null ? null : times.get(set.version());
      if (t0 != null) {
        latencies.add((now - t0) / 1e6);
      }
      receivers.computeIfAbsent(set.service(), s -> new ConcurrentHashMap<>())
          .computeIfAbsent(set.version(), v -> new AtomicInteger()).incrementAndGet();
    }

    void reset() {
      startedAt.clear();
      latencies.clear();
      deliveries.set(0);
    }

    long deliveries() {
      return deliveries.get();
    }

    List<Double> latenciesMs() {
      return new ArrayList<>(latencies);
    }

    /** Waits until every watcher of every service has been handed that service's current version. */
    void awaitAll(InMemoryServiceRegistry registry, int services, int watchers) throws InterruptedException {
      int perService = watchers / services;
      for (int s = 0; s < services; s++) {
        String service = "svc" + s;
        long version = registry.lookup(service).version();
        while (receivers.getOrDefault(service, Map.of()).getOrDefault(version, new AtomicInteger()).get() < perService) {
          Thread.sleep(0, 100_000);
        }
      }
    }
  }
}
