package dev.orchestrator.bench;

import dev.orchestrator.Orchestrator;
import dev.orchestrator.docker.DockerRuntime;
import dev.orchestrator.event.OrchestratorEvent;
import dev.orchestrator.runtime.ContainerRequest;
import dev.orchestrator.runtime.OwnerLabels;
import dev.orchestrator.spec.ServiceSpec;
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
 * docker-java at concurrency 4, 8 and 16 (create + start + inspect + HTTP-ready on a thread pool),
 * and Testcontainers {@code GenericContainer} x N with {@code Startables.deepStart} (HTTP wait on
 * /hostname:8080, polled every 50 ms like the others). Between contenders everything is removed
 * (untimed); the order rotates from round to round.
 *
 * <p>Raw variants, each at every concurrency: {@code raw-N} creates like the Docker runtime does
 * ({@code --init}, restart "no", no-new-privileges); {@code bare-N} without those (image, command,
 * label, port); {@code runtime-N} through a {@code DockerRuntime} of its own (the runtime's whole
 * mapping, labels and connection pool), without the orchestrator. Each prints its calls and how
 * many creates and starts it kept in flight.
 *
 * <p>The report compares each contender's median with the best raw median, and gives the median of its
 * per-round ratios to the best raw of the same round: on these shared machines the engine's speed
 * drifts by a third over minutes, which moves whole rounds.
 *
 * <p>Every contender first runs {@code --warmup} rounds that are not recorded (the JIT compiles the
 * orchestrator's and docker-java's paths; a first round costs the contender that runs it first up
 * to a second more).
 *
 * <p>Usage: {@code scripts/bench.sh ParallelStartBench [--n=50] [--rounds=1] [--warmup=1] [--concurrency=4,8,16]
 * [--engine-concurrency=16] [--max-connections=9] [--only=orchestrator,raw-16,bare-16,runtime-16,testcontainers]
 * [--orchestrator-probe-ms=50]}. The orchestrator probes readiness every 50 ms until ready (its
 * start interval), then every second ({@code --steady-probe-ms}); {@code --orchestrator-probe-ms=MS} makes it probe every MS
 * ms throughout, and {@code --only=...,orchestrator@1000} adds an orchestrator that probes every
 * 1000 ms throughout.
 */
public final class ParallelStartBench {
  private ParallelStartBench() {}

  public static void main(String[] args) throws Exception {
    int n = Integer.parseInt(Bench.arg(args, "n", "50"));
    int rounds = Integer.parseInt(Bench.arg(args, "rounds", "1"));
    int warmups = Integer.parseInt(Bench.arg(args, "warmup", "1"));
    int engineConcurrency = Integer.parseInt(Bench.arg(args, "engine-concurrency", "16"));
    int maxConnections = Integer.parseInt(Bench.arg(args, "max-connections", "9"));
    // the orchestrator keeps probing readiness after ready: at 50 ms x 50 replicas that would be up to 1000 probes/s,
    // so by default it probes at 50 ms only until ready (the check's start interval); null: that default
    String probeMs = Bench.arg(args, "orchestrator-probe-ms", "");
    Duration probe = probeMs.isEmpty() ? null : Duration.ofMillis(Long.parseLong(probeMs));
    Bench.steadyProbe = Duration.ofMillis(Long.parseLong(Bench.arg(args, "steady-probe-ms", "1000")));
    List<Integer> concurrencies = new ArrayList<>();
    for (String c : Bench.arg(args, "concurrency", "4,8,16").split(",")) {
      concurrencies.add(Integer.parseInt(c.trim()));
    }
    List<String> contenders = new ArrayList<>();
    contenders.add("orchestrator");
    concurrencies.forEach(c -> contenders.add("raw-" + c));
    concurrencies.forEach(c -> contenders.add("bare-" + c));
    concurrencies.forEach(c -> contenders.add("runtime-" + c));
    contenders.add("testcontainers");
    String only = Bench.arg(args, "only", "");
    if (only.isEmpty()) {
      contenders.removeIf(c -> c.startsWith("bare-") || c.startsWith("runtime-"));
    } else {
      contenders.retainAll(List.of(only.split(",")));
      // orchestrator@MS: one more orchestrator contender with a readiness interval of MS milliseconds
      for (String c : only.split(",")) {
        if (c.startsWith("orchestrator@")) {
          contenders.add(c);
        }
      }
    }
    Map<String, List<Double>> seconds = new LinkedHashMap<>();
    contenders.forEach(c -> seconds.put(c, new ArrayList<>()));
    Map<String, String> notes = new LinkedHashMap<>();
    Map<String, List<TimedRuntime.Call>> calls = new LinkedHashMap<>();

    try (Bench bench = new Bench(64)) {
      System.out.printf("ParallelStartBench: n=%d, rounds=%d, run %s, orchestrator engineConcurrency=%d, DockerRuntime maxConnections=%d,"
          + " orchestrator readiness %s%n", n, rounds, bench.runId(), engineConcurrency, maxConnections,
          probe == null ? "every " + Bench.POLL.toMillis() + " ms until ready, then every " + Bench.steadyProbe.toMillis() + " ms"
              : "every " + probe.toMillis() + " ms");
      // warm-up rounds first (index rounds, rounds + 1, ...): every contender's code JIT-compiled, nothing recorded
      for (int i = 0; i < warmups + rounds; i++) {
        boolean warmup = i < warmups;
        int round = warmup ? rounds + i : i - warmups;
        Map<String, String> roundNotes = warmup ? new LinkedHashMap<>() : notes;
        Map<String, List<TimedRuntime.Call>> roundCalls = warmup ? new LinkedHashMap<>() : calls;
        List<String> order = new ArrayList<>(contenders);
        Collections.rotate(order, -round);
        for (String c : order) {
          System.out.printf("begin %s %s at %s%n", warmup ? "warm-up" : "round " + (round + 1), c, java.time.Instant.now());
          double s;
          if (c.startsWith("orchestrator")) {
            Duration interval = c.contains("@") ? Duration.ofMillis(Long.parseLong(c.substring(c.indexOf('@') + 1))) : probe;
            s = orchestrator(bench, c, n, round, engineConcurrency, maxConnections, interval, roundNotes);
          } else if (c.equals("testcontainers")) {
            s = testcontainers(bench, n, roundNotes);
          } else {
            s = raw(bench, n, c, round, maxConnections, roundNotes, roundCalls);
          }
          if (!warmup) {
            seconds.get(c).add(s);
          }
          System.out.printf("%s: %-15s %6.2f s  %6.2f containers/s%n", warmup ? "warm-up" : "round " + (round + 1), c, s, n / s);
          bench.cleanup();
        }
      }
    }
    report(n, seconds, notes);
    calls.forEach((c, l) -> Stats.table("Calls of " + c + " (all rounds; ready = start of the HTTP wait to 200)",
        TimedRuntime.HEADER, TimedRuntime.rowsOf(l)));
  }

  @SuppressWarnings("try") // close() is called inside the block on purpose: it is timed
  private static double orchestrator(Bench bench, String contender, int n, int round, int engineConcurrency, int maxConnections,
      Duration probe, Map<String, String> notes) throws Exception {
    EventTimes events = new EventTimes();
    String instance = "bench-" + bench.runId() + "-" + round + contender.replace("orchestrator", "").replace("@", "-p");
    DockerRuntime node = DockerRuntime.builder().instanceId(instance).maxConnections(maxConnections).build();
    TimedRuntime timed = new TimedRuntime(node);
    var meters = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
    try (Orchestrator o = Orchestrator.builder().instanceId(instance).node(timed).eventListener(events).meterRegistry(meters)
        .engineConcurrency(engineConcurrency).build()) {
      bench.stopOnExit(o);
      String svc = "par";
      CpuUse cpu = CpuUse.sample();
      long t0 = System.nanoTime();
      o.apply((probe == null ? bench.service(svc) : bench.service(svc, probe)).replicas(n).build());
      long last = t0;
      for (int i = 0; i < n; i++) {
        last = Math.max(last, events.await(OrchestratorEvent.ReplicaReady.class, svc + "-" + i, t0, Duration.ofMinutes(5)));
      }
      CpuUse end = CpuUse.sample();
      String cpuUse = end.since(cpu) + "; " + end.threadsSince(cpu);
      List<Long> started = events.all(OrchestratorEvent.ReplicaStarted.class, t0);
      List<Long> ready = events.all(OrchestratorEvent.ReplicaReady.class, t0);
      List<Double> startedToReady = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        long s = events.first(OrchestratorEvent.ReplicaStarted.class, svc + "-" + i, t0);
        long r = events.first(OrchestratorEvent.ReplicaReady.class, svc + "-" + i, t0);
        if (s > 0 && r > 0) {
          startedToReady.add(Bench.ms(r - s));
        }
      }
      String note = String.format("first started %.0f ms, last started %.0f ms, first ready %.0f ms, last ready %.0f ms after apply;"
          + " started -> ready median %.0f ms; %s", Bench.ms(started.get(0) - t0), Bench.ms(started.get(started.size() - 1) - t0),
          Bench.ms(ready.get(0) - t0), Bench.ms(ready.get(ready.size() - 1) - t0), new Stats(startedToReady).median(),
          engineBusy(timed.timeline(), t0)) + "; " + cpuUse;
      notes.merge(contender, "round " + (round + 1) + ": " + note, (a, b) -> a + "\n  " + b);
      Bench.printCosts("apply of " + n + " replicas until all ready (" + contender + ", round " + (round + 1) + ")", timed, meters,
          new double[3]);
      long closeStart = System.nanoTime();
      o.close();
      notes.merge(contender + " close", String.format("round %d: close() removed %d containers in %.1f s", round + 1, n,
          (System.nanoTime() - closeStart) / 1e9), (a, b) -> a + "\n  " + b);
      return (last - t0) / 1e9;
    } finally {
      node.close();
    }
  }

  /** One raw way to create, start and find the published port of the bench container. */
  private interface Pipeline {
    String create(String name);

    void start(String id);

    int port(String id);
  }

  private static double raw(Bench bench, int n, String contender, int round, int maxConnections,
      Map<String, String> notes, Map<String, List<TimedRuntime.Call>> allCalls) throws Exception {
    String kind = contender.substring(0, contender.indexOf('-'));
    int concurrency = Integer.parseInt(contender.substring(kind.length() + 1));
    DockerRuntime runtime = kind.equals("runtime")
        ? DockerRuntime.builder().instanceId("bench-" + bench.runId() + "-rt").maxConnections(maxConnections).build() : null;
    Pipeline pipeline = runtime != null ? runtimePipeline(bench, runtime) : new Pipeline() {
      @Override
      public String create(String name) {
        return bench.rawCreate(name, kind.equals("raw"));
      }

      @Override
      public void start(String id) {
        bench.raw().startContainerCmd(id).exec();
      }

      @Override
      public int port(String id) {
        return bench.hostPort(id);
      }
    };
    List<TimedRuntime.Call> calls = java.util.Collections.synchronizedList(new ArrayList<>());
    ExecutorService pool = Executors.newFixedThreadPool(concurrency);
    try {
      CpuUse cpu = CpuUse.sample();
      long t0 = System.nanoTime();
      List<Future<?>> fs = new ArrayList<>();
      for (int i = 0; i < n; i++) {
        String name = bench.runId() + "-" + kind + concurrency + "-" + round + "-" + i;
        fs.add(pool.submit(() -> {
          String id = timed(calls, "create", () -> pipeline.create(name));
          timed(calls, "start", () -> {
            pipeline.start(id);
            return null;
          });
          int port = timed(calls, "inspect", () -> pipeline.port(id));
          return timed(calls, "ready", () -> {
            Bench.awaitHttp(port, Duration.ofSeconds(60));
            return null;
          });
        }));
      }
      for (Future<?> f : fs) {
        f.get(5, TimeUnit.MINUTES);
      }
      double seconds = (System.nanoTime() - t0) / 1e9;
      CpuUse end = CpuUse.sample();
      String cpuUse = end.since(cpu) + "; " + end.threadsSince(cpu);
      notes.merge(contender, "round " + (round + 1) + ": " + engineBusy(calls, t0) + "; " + cpuUse, (a, b) -> a + "\n  " + b);
      allCalls.computeIfAbsent(contender, k -> new ArrayList<>()).addAll(calls);
      return seconds;
    } finally {
      pool.shutdownNow();
      if (runtime != null) {
        runtime.close();
      }
    }
  }

  /** Creates through a DockerRuntime with the labels the orchestrator would set, as a replica of a service. */
  private static Pipeline runtimePipeline(Bench bench, DockerRuntime runtime) {
    ServiceSpec spec = bench.service("rt").build();
    return new Pipeline() {
      @Override
      public String create(String name) {
        Map<String, String> labels = new java.util.TreeMap<>(spec.labels());
        labels.put(OwnerLabels.INSTANCE, "bench-" + bench.runId() + "-rt");
        labels.put(OwnerLabels.SERVICE, spec.name());
        labels.put(OwnerLabels.SLOT, name.substring(name.lastIndexOf('-') + 1));
        labels.put(OwnerLabels.SPEC_HASH, spec.specHash());
        labels.put(OwnerLabels.GENERATION, "1");
        labels.put(OwnerLabels.RESTARTS, "0");
        return runtime.create(new ContainerRequest(name, spec, labels, Map.of()));
      }

      @Override
      public void start(String id) {
        runtime.start(id);
      }

      @Override
      public int port(String id) {
        return runtime.inspect(id).orElseThrow().port(8080).orElseThrow().hostPort();
      }
    };
  }

  private static <T> T timed(List<TimedRuntime.Call> calls, String op, java.util.concurrent.Callable<T> call) throws Exception {
    long start = System.nanoTime();
    try {
      return call.call();
    } finally {
      calls.add(new TimedRuntime.Call(op, start, System.nanoTime()));
    }
  }

  /** When the first create went out and the last start ended, and how many creates and starts were in flight meanwhile. */
  private static String engineBusy(List<TimedRuntime.Call> calls, long t0) {
    long firstCreate = calls.stream().filter(c -> c.op().equals("create")).mapToLong(TimedRuntime.Call::start).min().orElse(t0);
    long lastStart = calls.stream().filter(c -> c.op().equals("start")).mapToLong(TimedRuntime.Call::end).max().orElse(t0);
    double startMedian = new Stats(calls.stream().filter(c -> c.op().equals("start"))
        .map(c -> Bench.ms(c.end() - c.start())).toList()).median();
    return String.format("first create %.0f ms, last start done %.0f ms after t0; creates+starts in flight %.2f,"
        + " creates+starts+inspects %.2f (mean between the two); start median %.0f ms",
        Bench.ms(firstCreate - t0), Bench.ms(lastStart - t0),
        TimedRuntime.inFlight(calls, java.util.Set.of("create", "start"), firstCreate, lastStart),
        TimedRuntime.inFlight(calls, java.util.Set.of("create", "start", "inspect"), firstCreate, lastStart), startMedian);
  }

  private static double testcontainers(Bench bench, int n, Map<String, String> notes) throws Exception {
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
      CpuUse cpu = CpuUse.sample();
      long t0 = System.nanoTime();
      Startables.deepStart(containers).get(5, TimeUnit.MINUTES);
      double seconds = (System.nanoTime() - t0) / 1e9;
      notes.merge("testcontainers", CpuUse.sample().since(cpu), (a, b) -> a + "\n  " + b);
      return seconds;
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
      if (e.getKey().startsWith("raw-")) { // created like the runtime does: the like-for-like reference
        double rate = n / new Stats(e.getValue()).median();
        if (Double.isNaN(bestRaw) || rate > bestRaw) {
          bestRaw = rate;
          bestRawName = e.getKey();
        }
      }
    }
    // the machine's speed drifts over minutes: also each round against the best raw of that same round
    int rounds = seconds.values().stream().mapToInt(List::size).min().orElse(0);
    double[] bestRawSeconds = new double[rounds];
    java.util.Arrays.fill(bestRawSeconds, Double.NaN);
    seconds.forEach((c, l) -> {
      for (int r = 0; r < rounds && c.startsWith("raw-"); r++) {
        bestRawSeconds[r] = Double.isNaN(bestRawSeconds[r]) ? l.get(r) : Math.min(bestRawSeconds[r], l.get(r));
      }
    });
    List<List<String>> rows = new ArrayList<>();
    for (Map.Entry<String, List<Double>> e : seconds.entrySet()) {
      Stats s = new Stats(e.getValue());
      double rate = n / s.median();
      List<Double> sameRound = new ArrayList<>();
      for (int r = 0; r < rounds; r++) {
        sameRound.add(bestRawSeconds[r] / e.getValue().get(r));
      }
      rows.add(List.of(e.getKey(), Stats.f2(s.median()), Stats.f2(rate), Stats.f2(rate / bestRaw),
          Stats.f2(new Stats(sameRound).median()), sameRound.stream().map(Stats::f2).reduce((a, b) -> a + " " + b).orElse(""),
          e.getValue().stream().map(Stats::f2).reduce((a, b) -> a + " " + b).orElse("")));
    }
    Stats.table(n + " containers from nothing to all HTTP-ready (median over rounds; best raw: " + bestRawName + ")",
        List.of("contender", "seconds (median)", "containers/s", "vs best raw", "vs best raw of the same round (median)",
            "per round", "raw seconds per round"), rows);
    System.out.println();
    notes.forEach((k, v) -> System.out.println(k + ":\n  " + v));
  }
}
