package dev.orchestrator.bench;

import dev.orchestrator.Orchestrator;
import dev.orchestrator.docker.DockerRuntime;
import dev.orchestrator.event.OrchestratorEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Per-container overhead: the orchestrator's scale-by-one (scale to k, time until replica k-1
 * is announced ready, i.e. its HTTP readiness passed and it is in the registry) versus raw
 * docker-java create + start + HTTP-ready of the same container, interleaved round by round
 * (ABBA order) in one run. Both sides keep their containers, so the engine carries the same
 * number of containers for both at every round.
 *
 * <p>Usage: {@code scripts/bench.sh DockerOverheadBench [--n=20]}
 */
public final class DockerOverheadBench {
  private DockerOverheadBench() {}

  public static void main(String[] args) throws Exception {
    int n = Integer.parseInt(Bench.arg(args, "n", "20"));
    List<Double> orch = new ArrayList<>();
    List<Double> orchStarted = new ArrayList<>();
    List<Double> raw = new ArrayList<>();
    List<Double> rawStarted = new ArrayList<>();
    Map<String, List<Double>> phases = new LinkedHashMap<>(); // "side phase" -> ms per round
    try (Bench bench = new Bench(16)) {
      System.out.printf("DockerOverheadBench: n=%d, run %s, image %s, readiness poll %d ms on both sides%n",
          n, bench.runId(), Bench.IMAGE, Bench.POLL.toMillis());
      EventTimes events = new EventTimes();
      String instance = "bench-" + bench.runId();
      DockerRuntime node = DockerRuntime.builder().instanceId(instance).build();
      TimedRuntime timed = new TimedRuntime(node);
      var meters = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
      try (Orchestrator o = bench.stopOnExit(
          Orchestrator.builder().instanceId(instance).node(timed).eventListener(events).meterRegistry(meters).build())) {
        String svc = "ovh";
        // warm-up, not measured: first apply (image check, first create on both sides)
        long w = System.nanoTime();
        o.apply(bench.service(svc).replicas(1).build());
        events.await(OrchestratorEvent.ReplicaReady.class, svc + "-0", w, Duration.ofSeconds(60));
        bench.rawCreateStartReady(bench.runId() + "-raw-0");
        timed.reset();
        double[] passesBefore = Bench.passes(meters);

        for (int round = 1; round <= n; round++) {
          boolean orchFirst = (round % 4 == 1) || (round % 4 == 0); // A B B A
          for (int side = 0; side < 2; side++) {
            if ((side == 0) == orchFirst) {
              long t0 = System.nanoTime();
              o.scale(svc, round + 1);
              String replica = svc + "-" + round;
              long ready = events.await(OrchestratorEvent.ReplicaReady.class, replica, t0, Duration.ofSeconds(60));
              long started = events.first(OrchestratorEvent.ReplicaStarted.class, replica, t0);
              orch.add(Bench.ms(ready - t0));
              orchStarted.add(Bench.ms(started - t0));
              List<TimedRuntime.Call> calls = timed.timeline();
              TimedRuntime.Call create = calls.stream().filter(c -> c.op().equals("create") && c.start() >= t0)
                  .findFirst().orElseThrow();
              TimedRuntime.Call start = calls.stream().filter(c -> c.op().equals("start") && c.start() >= t0)
                  .findFirst().orElseThrow();
              phase(phases, "orchestrator", Bench.ms(create.start() - t0), Bench.ms(create.end() - create.start()),
                  Bench.ms(start.start() - create.end()), Bench.ms(start.end() - start.start()), Bench.ms(ready - start.end()));
            } else {
              long t0 = System.nanoTime();
              String id = bench.rawCreate(bench.runId() + "-raw-" + round);
              long created = System.nanoTime();
              bench.raw().startContainerCmd(id).exec();
              long started = System.nanoTime();
              Bench.awaitHttp(bench.hostPort(id), Duration.ofSeconds(60));
              long ready = System.nanoTime();
              raw.add(Bench.ms(ready - t0));
              rawStarted.add(Bench.ms(started - t0));
              phase(phases, "raw", 0, Bench.ms(created - t0), 0, Bench.ms(started - created), Bench.ms(ready - started));
            }
          }
          System.out.printf("round %2d: orchestrator %6.1f ms, raw %6.1f ms%n", round, orch.get(orch.size() - 1), raw.get(raw.size() - 1));
        }
        Bench.printCosts(n + " scale-by-one rounds", timed, meters, passesBefore);
      } finally {
        node.close();
      }
      report(n, orch, orchStarted, raw, rawStarted);
      List<List<String>> rows = new ArrayList<>();
      for (String side : List.of("orchestrator", "raw")) {
        List<String> row = new ArrayList<>(List.of(side));
        for (String p : PHASES) {
          row.add(Stats.f(new Stats(phases.get(side + " " + p)).median()));
        }
        rows.add(row);
      }
      List<String> header = new ArrayList<>(List.of("side"));
      header.addAll(PHASES);
      Stats.table("Where the time goes, ms (median of each phase over the rounds)", header, rows);
    }
  }

  private static final List<String> PHASES = List.of("to create", "create", "create to start", "start", "start to ready");

  private static void phase(Map<String, List<Double>> phases, String side, double... ms) {
    for (int i = 0; i < ms.length; i++) {
      phases.computeIfAbsent(side + " " + PHASES.get(i), k -> new ArrayList<>()).add(ms[i]);
    }
  }

  private static void report(int n, List<Double> orch, List<Double> orchStarted, List<Double> raw, List<Double> rawStarted) {
    Stats o = new Stats(orch);
    Stats r = new Stats(raw);
    Stats os = new Stats(orchStarted);
    Stats rs = new Stats(rawStarted);
    List<Double> ratios = new ArrayList<>();
    for (int i = 0; i < Math.min(orch.size(), raw.size()); i++) {
      ratios.add(orch.get(i) / raw.get(i));
    }
    Stats pr = new Stats(ratios);
    Stats.table("Per-container create+start+ready, ms (n=" + n + ", interleaved ABBA)",
        List.of("side", "median", "p90", "p99", "min", "max", "to started (median)", "started to ready (median)"),
        List.of(
            List.of("orchestrator (scale +1)", Stats.f(o.median()), Stats.f(o.p(90)), Stats.f(o.p(99)), Stats.f(o.min()), Stats.f(o.max()),
                Stats.f(os.median()), Stats.f(o.median() - os.median())),
            List.of("raw docker-java", Stats.f(r.median()), Stats.f(r.p(90)), Stats.f(r.p(99)), Stats.f(r.min()), Stats.f(r.max()),
                Stats.f(rs.median()), Stats.f(r.median() - rs.median()))));
    Stats.table("Ratio orchestrator / raw (target <= 1.05 at the median)",
        List.of("ratio of medians", "ratio of p90s", "median of per-round ratios", "median difference, ms"),
        List.of(List.of(Stats.f2(o.median() / r.median()), Stats.f2(o.p(90) / r.p(90)), Stats.f2(pr.median()),
            Stats.f(o.median() - r.median()))));
    System.out.println();
    System.out.println("raw orchestrator ms: " + Stats.raw(orch));
    System.out.println("raw orchestrator to ReplicaStarted ms: " + Stats.raw(orchStarted));
    System.out.println("raw docker-java ms:  " + Stats.raw(raw));
    System.out.println("raw docker-java to started ms: " + Stats.raw(rawStarted));
  }
}
