package dev.orchestrator.bench;

import dev.orchestrator.Orchestrator;
import dev.orchestrator.docker.DockerRuntime;
import dev.orchestrator.event.OrchestratorEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.rnorth.ducttape.ratelimits.RateLimiterBuilder;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.lifecycle.Startables;
import org.testcontainers.utility.DockerImageName;

/**
 * N containers (default 50) started in parallel, from nothing to all HTTP-ready, side by side in
 * one run: the orchestrator (one service with N replicas, apply to all N announced ready), raw
 * docker-java at concurrency 4, 8 and 16 (create + start + HTTP-ready on a thread pool), and
 * Testcontainers {@code GenericContainer} x N with {@code Startables.deepStart} (HTTP wait on
 * /hostname:8080, polled every 50 ms like the others). Between contenders everything is removed
 * (untimed); the order rotates from round to round.
 *
 * <p>Usage: {@code scripts/bench.sh ParallelStartBench [--n=50] [--rounds=1] [--concurrency=4,8,16]
 * [--engine-concurrency=16] [--max-connections=8] [--only=orchestrator,raw-16,testcontainers] [--orchestrator-probe-ms=50]}
 */
public final class ParallelStartBench {
  private ParallelStartBench() {}

  public static void main(String[] args) throws Exception {
    int n = Integer.parseInt(Bench.arg(args, "n", "50"));
    int rounds = Integer.parseInt(Bench.arg(args, "rounds", "1"));
    int engineConcurrency = Integer.parseInt(Bench.arg(args, "engine-concurrency", "16"));
    int maxConnections = Integer.parseInt(Bench.arg(args, "max-connections", "9"));
    // the orchestrator keeps probing readiness after ready: at 50 ms x 50 replicas that is up to 1000 probes/s
    Duration probe = Duration.ofMillis(Long.parseLong(Bench.arg(args, "orchestrator-probe-ms", String.valueOf(Bench.POLL.toMillis()))));
    List<Integer> concurrencies = new ArrayList<>();
    for (String c : Bench.arg(args, "concurrency", "4,8,16").split(",")) {
      concurrencies.add(Integer.parseInt(c.trim()));
    }
    List<String> contenders = new ArrayList<>();
    contenders.add("orchestrator");
    concurrencies.forEach(c -> contenders.add("raw-" + c));
    contenders.add("testcontainers");
    String only = Bench.arg(args, "only", "");
    if (!only.isEmpty()) {
      contenders.retainAll(List.of(only.split(",")));
    }
    Map<String, List<Double>> seconds = new LinkedHashMap<>();
    contenders.forEach(c -> seconds.put(c, new ArrayList<>()));
    Map<String, String> notes = new LinkedHashMap<>();

    try (Bench bench = new Bench(64)) {
      System.out.printf("ParallelStartBench: n=%d, rounds=%d, run %s, orchestrator engineConcurrency=%d, DockerRuntime maxConnections=%d,"
          + " orchestrator readiness interval %d ms%n", n, rounds, bench.runId(), engineConcurrency, maxConnections, probe.toMillis());
      for (int round = 0; round < rounds; round++) {
        List<String> order = new ArrayList<>(contenders);
        Collections.rotate(order, -round);
        for (String c : order) {
          double s;
          if (c.equals("orchestrator")) {
            s = orchestrator(bench, n, round, engineConcurrency, maxConnections, probe, notes);
          } else if (c.equals("testcontainers")) {
            s = testcontainers(bench, n);
          } else {
            s = raw(bench, n, Integer.parseInt(c.substring(4)), round);
          }
          seconds.get(c).add(s);
          System.out.printf("round %d: %-15s %6.2f s  %6.2f containers/s%n", round + 1, c, s, n / s);
          bench.cleanup();
        }
      }
    }
    report(n, seconds, notes);
  }

  @SuppressWarnings("try") // close() is called inside the block on purpose: it is timed
  private static double orchestrator(Bench bench, int n, int round, int engineConcurrency, int maxConnections,
      Duration probe, Map<String, String> notes) throws Exception {
    EventTimes events = new EventTimes();
    String instance = "bench-" + bench.runId() + "-" + round;
    DockerRuntime node = DockerRuntime.builder().instanceId(instance).maxConnections(maxConnections).build();
    TimedRuntime timed = new TimedRuntime(node);
    var meters = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    try (Orchestrator o = Orchestrator.builder().instanceId(instance).node(timed).eventListener(events).meterRegistry(meters)
        .engineConcurrency(engineConcurrency).build()) {
      bench.stopOnExit(o);
      String svc = "par";
      long t0 = System.nanoTime();
      o.apply(bench.service(svc, probe).replicas(n).build());
      long last = t0;
      for (int i = 0; i < n; i++) {
        last = Math.max(last, events.await(OrchestratorEvent.ReplicaReady.class, svc + "-" + i, t0, Duration.ofMinutes(5)));
      }
      List<Long> started = events.all(OrchestratorEvent.ReplicaStarted.class, t0);
      List<Long> ready = events.all(OrchestratorEvent.ReplicaReady.class, t0);
      String note = String.format("first started %.0f ms, last started %.0f ms, first ready %.0f ms, last ready %.0f ms after apply",
          Bench.ms(started.get(0) - t0), Bench.ms(started.get(started.size() - 1) - t0),
          Bench.ms(ready.get(0) - t0), Bench.ms(ready.get(ready.size() - 1) - t0));
      notes.merge("orchestrator", "round " + (round + 1) + ": " + note, (a, b) -> a + "\n  " + b);
      Bench.printCosts("apply of " + n + " replicas until all ready (round " + (round + 1) + ")", timed, meters, new double[3]);
      long closeStart = System.nanoTime();
      o.close();
      notes.merge("orchestrator close", String.format("round %d: close() removed %d containers in %.1f s", round + 1, n,
          (System.nanoTime() - closeStart) / 1e9), (a, b) -> a + "\n  " + b);
      return (last - t0) / 1e9;
    } finally {
      node.close();
    }
  }

  private static double raw(Bench bench, int n, int concurrency, int round) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(concurrency);
    try {
      long t0 = System.nanoTime();
      List<Future<String>> fs = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String name = bench.runId() + "-raw" + concurrency + "-" + round + "-" + i;
        fs.add(pool.submit(() -> bench.rawCreateStartReady(name)));
      }
      for (Future<String> f : fs) {
        f.get(5, TimeUnit.MINUTES);
      }
      return (System.nanoTime() - t0) / 1e9;
    } finally {
      pool.shutdownNow();
    }
  }

  private static double testcontainers(Bench bench, int n) throws Exception {
    List<GenericContainer<?>> containers = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      GenericContainer<?> c = new GenericContainer<>(DockerImageName.parse(Bench.IMAGE))
          .withCommand(Bench.HTTPD.toArray(String[]::new))
          .withExposedPorts(8080)
          .withLabel(Bench.LABEL, bench.runId())
          .waitingFor(Wait.forHttp(Bench.READY_PATH).forPort(8080)
              // the default limiter is one JVM-wide 1 attempt/s for every container: poll each every 50 ms instead
              .withRateLimiter(RateLimiterBuilder.newBuilder().withRate(20, TimeUnit.SECONDS).withConstantThroughput().build())
              .withStartupTimeout(Duration.ofMinutes(5)));
      containers.add(c);
    }
    try {
      long t0 = System.nanoTime();
      Startables.deepStart(containers).get(5, TimeUnit.MINUTES);
      return (System.nanoTime() - t0) / 1e9;
    } finally {
      ExecutorService stopper = Executors.newFixedThreadPool(8);
      containers.forEach(c -> stopper.submit(c::stop));
      stopper.shutdown();
      stopper.awaitTermination(5, TimeUnit.MINUTES);
    }
  }

  private static void report(int n, Map<String, List<Double>> seconds, Map<String, String> notes) {
    double bestRaw = Double.NaN;
    String bestRawName = "";
    for (Map.Entry<String, List<Double>> e : seconds.entrySet()) {
      if (e.getKey().startsWith("raw-")) {
        double rate = n / new Stats(e.getValue()).median();
        if (Double.isNaN(bestRaw) || rate > bestRaw) {
          bestRaw = rate;
          bestRawName = e.getKey();
        }
      }
    }
    List<List<String>> rows = new ArrayList<>();
    for (Map.Entry<String, List<Double>> e : seconds.entrySet()) {
      Stats s = new Stats(e.getValue());
      double rate = n / s.median();
      rows.add(List.of(e.getKey(), Stats.f2(s.median()), Stats.f2(rate), Stats.f2(rate / bestRaw),
          e.getValue().stream().map(Stats::f2).reduce((a, b) -> a + " " + b).orElse("")));
    }
    Stats.table(n + " containers from nothing to all HTTP-ready (median over rounds; best raw: " + bestRawName + ")",
        List.of("contender", "seconds (median)", "containers/s", "vs best raw", "raw seconds per round"), rows);
    System.out.println();
    notes.forEach((k, v) -> System.out.println(k + ":\n  " + v));
  }
}
