package dev.orchestrator.bench;

import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.model.Event;
import dev.orchestrator.Orchestrator;
import dev.orchestrator.docker.DockerRuntime;
import dev.orchestrator.event.OrchestratorEvent;
import dev.orchestrator.registry.Endpoint;
import dev.orchestrator.registry.EndpointSet;
import dev.orchestrator.spec.RestartPolicy;
import java.io.Closeable;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Healing latency, interleaved in one run (ABBA order per iteration):
 * <ul>
 *   <li>orchestrator: a 3-replica service with a zero restart backoff; one replica's container is
 *       killed (SIGKILL through a separate docker-java client, as {@code docker kill}); measured
 *       kill -> ReplicaFailed event (exit seen) and kill -> the registry lists that slot again with
 *       a new container (replacement ready);</li>
 *   <li>raw reference: kill a raw container, wait for its "die" on the events API, create + start
 *       + HTTP-ready a new one (the old one is removed afterwards, timed separately).</li>
 * </ul>
 *
 * <p>Usage: {@code scripts/bench.sh HealingLatencyBench [--iterations=30] [--backoff-ms=0] [--diagnose=true]}
 */
public final class HealingLatencyBench {
  private HealingLatencyBench() {}

  @SuppressWarnings("try") // the die-event stream only has to stay open
  public static void main(String[] args) throws Exception {
    int iterations = Integer.parseInt(Bench.arg(args, "iterations", "30"));
    long backoffMs = Long.parseLong(Bench.arg(args, "backoff-ms", "0"));
    // --diagnose: side measurements at each die event (they add engine calls next to the measured paths)
    boolean diagnose = Boolean.parseBoolean(Bench.arg(args, "diagnose", "false"));
    List<Double> orchExit = new ArrayList<>();
    List<Double> orchReady = new ArrayList<>();
    List<Double> rawExit = new ArrayList<>();
    List<Double> rawReady = new ArrayList<>();
    List<Double> rawRemove = new ArrayList<>();
    Phases phases = new Phases();
    List<Double> rawInspect = new ArrayList<>();
    List<Double> orchSideList = new ArrayList<>();
    List<Double> orchSideRuntimeList = new ArrayList<>();
    List<Double> rawList = new ArrayList<>();
    List<Double> rawListInspect = new ArrayList<>();
    try (Bench bench = new Bench(16)) {
      System.out.printf("HealingLatencyBench: iterations=%d, restart backoff %d ms, run %s%n", iterations, backoffMs, bench.runId());
      EventTimes events = new EventTimes();
      String instance = "bench-" + bench.runId();
      DockerRuntime node = DockerRuntime.builder().instanceId(instance).build();
      TimedRuntime timed = new TimedRuntime(node);
      var meters = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
      DieWatch dies = new DieWatch();
      try (Orchestrator o = bench.stopOnExit(Orchestrator.builder().instanceId(instance).node(timed).eventListener(events)
              .meterRegistry(meters).build());
          Closeable dieStream = bench.raw().eventsCmd().withLabelFilter(bench.label()).withEventFilter("die").exec(dies)) {
        String svc = "heal";
        Duration backoff = Duration.ofMillis(backoffMs);
        o.apply(bench.service(svc).replicas(3)
            .restartPolicy(RestartPolicy.defaults().withBackoff(backoff, backoff, 1.0))
            .build());
        o.awaitReady(svc, Duration.ofSeconds(60));
        SlotWatch slots = new SlotWatch();
        var watch = o.registry().watch(svc, slots);
        String rawId = bench.rawCreateStartReady(bench.runId() + "-heal-raw-0");
        timed.reset();
        double[] passesBefore = Bench.passes(meters);

        for (int i = 0; i < iterations; i++) {
          boolean orchFirst = (i % 4 == 0) || (i % 4 == 3);
          for (int side = 0; side < 2; side++) {
            if ((side == 0) == orchFirst) {
              o.awaitReady(svc, Duration.ofSeconds(60));
              int slot = i % 3;
              String replica = svc + "-" + slot;
              String victim = slots.container(replica).orElseThrow();
              long t0 = System.nanoTime();
              bench.raw().killContainerCmd(victim).exec();
              if (diagnose) {
                dies.await(victim, t0, Duration.ofSeconds(60));
                long d0 = System.nanoTime();
                // the same listing the orchestrator's pass makes, through the bench's own client, at the die event
                var listed = bench.raw().listContainersCmd().withShowAll(true)
                    .withLabelFilter(dev.orchestrator.runtime.OwnerLabels.ofService(instance, svc)).exec();
                listed.forEach(c -> bench.raw().inspectContainerCmd(c.getId()).exec());
                long d1 = System.nanoTime();
                bench.runtime().list(dev.orchestrator.runtime.OwnerLabels.ofService(instance, svc));
                orchSideList.add(Bench.ms(d1 - d0));
                orchSideRuntimeList.add(Bench.ms(System.nanoTime() - d1));
              }
              long exit = events.await(OrchestratorEvent.ReplicaFailed.class, replica, t0, Duration.ofSeconds(60));
              long ready = slots.awaitReplaced(replica, victim, Duration.ofSeconds(60));
              orchExit.add(Bench.ms(exit - t0));
              orchReady.add(Bench.ms(ready - t0));
              phases.record(timed, t0, exit, ready);
            } else {
              long t0 = System.nanoTime();
              bench.raw().killContainerCmd(rawId).exec();
              long exit = dies.await(rawId, t0, Duration.ofSeconds(60));
              String dead = rawId;
              // alongside (not on the measured path): how long does inspecting the dead container take right now?
              Thread probe = new Thread(() -> {
                long i0 = System.nanoTime();
                bench.raw().inspectContainerCmd(dead).exec();
                long i1 = System.nanoTime();
                // what DockerRuntime.list does: list by label, then inspect each listed container
                var listed = bench.raw().listContainersCmd().withShowAll(true).withLabelFilter(bench.label()).exec();
                long l1 = System.nanoTime();
                listed.forEach(c -> bench.raw().inspectContainerCmd(c.getId()).exec());
                long l2 = System.nanoTime();
                synchronized (rawInspect) {
                  rawInspect.add(Bench.ms(i1 - i0));
                  rawList.add(Bench.ms(l1 - i1));
                  rawListInspect.add(Bench.ms(l2 - l1));
                }
              });
              if (diagnose) {
                probe.start();
              }
              String next = bench.rawCreateStartReady(bench.runId() + "-heal-raw-" + (i + 1));
              long ready = System.nanoTime();
              if (diagnose) {
                probe.join();
              }
              bench.rawRemove(rawId);
              rawRemove.add(Bench.ms(System.nanoTime() - ready));
              rawExit.add(Bench.ms(exit - t0));
              rawReady.add(Bench.ms(ready - t0));
              rawId = next;
            }
          }
          System.out.printf("iteration %2d: orchestrator exit %6.1f ready %6.1f ms | raw exit %6.1f ready %6.1f ms%n", i + 1,
              orchExit.get(i), orchReady.get(i), rawExit.get(i), rawReady.get(i));
        }
        watch.close();
        Bench.printCosts(iterations + " kills (the raw side's calls are not included)", timed, meters, passesBefore);
      } finally {
        node.close();
      }
      report(iterations, backoffMs, orchExit, orchReady, rawExit, rawReady, rawRemove);
      phases.print();
      if (!diagnose) {
        return;
      }
      List<List<String>> rows = new ArrayList<>();
      for (var e : List.of(Map.entry("inspect of the killed container", rawInspect),
          Map.entry("then list by the bench label (4-5 containers)", rawList), Map.entry("then inspect of each listed", rawListInspect))) {
        Stats st = new Stats(e.getValue());
        rows.add(List.of(e.getKey(), Stats.f(st.median()), Stats.f(st.p(90)), Stats.f(st.max())));
      }
      Stats os = new Stats(orchSideList);
      rows.add(List.of("orchestrator side: the pass's list+inspect of its 3 containers, by the bench's client at the die event",
          Stats.f(os.median()), Stats.f(os.p(90)), Stats.f(os.max())));
      Stats osr = new Stats(orchSideRuntimeList);
      rows.add(List.of("orchestrator side: then the same through a second DockerRuntime.list (bench's own runtime)",
          Stats.f(osr.median()), Stats.f(osr.p(90)), Stats.f(osr.max())));
      Stats.table("Raw side, right after the die event, on a side thread alongside the re-create (not on the measured path)",
          List.of("call", "median ms", "p90 ms", "max ms"), rows);
    }
  }

  private static void report(int iterations, long backoffMs, List<Double> orchExit, List<Double> orchReady,
      List<Double> rawExit, List<Double> rawReady, List<Double> rawRemove) {
    Stats oe = new Stats(orchExit);
    Stats or = new Stats(orchReady);
    Stats re = new Stats(rawExit);
    Stats rr = new Stats(rawReady);
    Stats rm = new Stats(rawRemove);
    Stats.table("Healing latency, ms (" + iterations + " kills each, restart backoff " + backoffMs + " ms, interleaved ABBA)",
        List.of("measure", "median", "p90", "p99", "min", "max"),
        List.of(
            List.of("orchestrator kill -> ReplicaFailed", Stats.f(oe.median()), Stats.f(oe.p(90)), Stats.f(oe.p(99)), Stats.f(oe.min()), Stats.f(oe.max())),
            List.of("raw kill -> die event", Stats.f(re.median()), Stats.f(re.p(90)), Stats.f(re.p(99)), Stats.f(re.min()), Stats.f(re.max())),
            List.of("orchestrator kill -> replacement in registry", Stats.f(or.median()), Stats.f(or.p(90)), Stats.f(or.p(99)), Stats.f(or.min()), Stats.f(or.max())),
            List.of("raw kill -> die -> new container HTTP-ready", Stats.f(rr.median()), Stats.f(rr.p(90)), Stats.f(rr.p(99)), Stats.f(rr.min()), Stats.f(rr.max())),
            List.of("(raw: removal of the killed container, after)", Stats.f(rm.median()), Stats.f(rm.p(90)), Stats.f(rm.p(99)), Stats.f(rm.min()), Stats.f(rm.max()))));
    Stats.table("Target: orchestrator within raw + 50 ms at the median",
        List.of("measure", "orchestrator - raw (median), ms", "within +50 ms"),
        List.of(
            List.of("exit seen", Stats.f(oe.median() - re.median()), String.valueOf(oe.median() - re.median() <= 50)),
            List.of("replacement ready", Stats.f(or.median() - rr.median()), String.valueOf(or.median() - rr.median() <= 50))));
    System.out.println();
    System.out.println("raw orchestrator exit ms:  " + Stats.raw(orchExit));
    System.out.println("raw orchestrator ready ms: " + Stats.raw(orchReady));
    System.out.println("raw reference exit ms:     " + Stats.raw(rawExit));
    System.out.println("raw reference ready ms:    " + Stats.raw(rawReady));
    System.out.println("raw reference remove ms:   " + Stats.raw(rawRemove));
  }

  /**
   * Where one healing spends its time, from the orchestrator's engine calls (TimedRuntime):
   * kill -> the pass's first list starts (event stream + work queue + waiting for a pass in
   * progress), that list, list end -> ReplicaFailed (slot handling, logs of the dead container,
   * event delivery), then the replacement: remove, create, start, inspect, and start -> ready in
   * the registry (probe, verdict, the publishing pass with its own list).
   */
  private static final class Phases {
    private final java.util.Map<String, List<Double>> ms = new java.util.LinkedHashMap<>();

    void record(TimedRuntime timed, long t0, long exit, long ready) {
      var list = timed.firstAfter("list", t0);
      var remove = timed.firstAfter("remove", t0);
      var create = timed.firstAfter("create", t0);
      var start = timed.firstAfter("start", t0);
      var inspect = timed.firstAfter("inspect", t0);
      if (list.isEmpty() || remove.isEmpty() || create.isEmpty() || start.isEmpty() || inspect.isEmpty()) {
        return;
      }
      add("kill -> first list of the pass starts", list.get().start() - t0);
      add("that list (service's containers, each inspected)", list.get().end() - list.get().start());
      add("list end -> ReplicaFailed received", exit - list.get().end());
      add("ReplicaFailed -> remove starts", remove.get().start() - exit);
      add("remove (of the dead container)", remove.get().end() - remove.get().start());
      add("remove end -> create starts (placer: list of the instance)", create.get().start() - remove.get().end());
      add("create", create.get().end() - create.get().start());
      add("start", start.get().end() - start.get().start());
      add("inspect after start", inspect.get().end() - inspect.get().start());
      add("inspect end -> replacement in registry (probe + publishing pass)", ready - inspect.get().end());
    }

    private void add(String phase, long nanos) {
      ms.computeIfAbsent(phase, k -> new ArrayList<>()).add(Bench.ms(nanos));
    }

    void print() {
      List<List<String>> rows = new ArrayList<>();
      ms.forEach((k, v) -> {
        Stats s = new Stats(v);
        rows.add(List.of(k, Stats.f(s.median()), Stats.f(s.p(90)), Stats.f(s.max())));
      });
      Stats.table("Orchestrator healing, phase by phase (ms, from its engine calls)", List.of("phase", "median", "p90", "max"), rows);
    }
  }

  /** Which container the registry lists for each replica id, and when that changed. */
  private static final class SlotWatch implements java.util.function.Consumer<EndpointSet> {
    private final Map<String, String> container = new HashMap<>();
    private final Map<String, Long> since = new HashMap<>();

    @Override
    public synchronized void accept(EndpointSet set) {
      long now = System.nanoTime();
      for (Endpoint e : set.endpoints()) {
        String c = e.metadata().get("container");
        if (c != null && !c.equals(container.get(e.id()))) {
          container.put(e.id(), c);
          since.put(e.id(), now);
        }
      }
      notifyAll();
    }

    synchronized Optional<String> container(String replica) {
      return Optional.ofNullable(container.get(replica));
    }

    synchronized long awaitReplaced(String replica, String old, Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (old.equals(container.get(replica)) || !container.containsKey(replica)) {
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new IllegalStateException(replica + " not replaced within " + timeout);
        }
        wait(Math.max(1, left / 1_000_000));
      }
      return since.get(replica);
    }
  }

  /** Arrival times of "die" events from the engine's event stream, by container id. */
  private static final class DieWatch extends ResultCallback.Adapter<Event> {
    private final Map<String, List<Long>> dies = new HashMap<>();

    @Override
    public synchronized void onNext(Event e) {
      if (e.getId() != null) {
        dies.computeIfAbsent(e.getId(), k -> new ArrayList<>()).add(System.nanoTime());
        notifyAll();
      }
    }

    synchronized long await(String id, long after, Duration timeout) throws InterruptedException {
      long deadline = System.nanoTime() + timeout.toNanos();
      while (true) {
        for (long t : dies.getOrDefault(id, List.of())) {
          if (t >= after) {
            return t;
          }
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          throw new IllegalStateException("no die event of " + id + " within " + timeout);
        }
        wait(Math.max(1, left / 1_000_000));
      }
    }
  }
}
