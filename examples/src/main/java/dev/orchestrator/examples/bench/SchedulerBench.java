package dev.orchestrator.examples.bench;

import dev.orchestrator.scheduling.ClusterSnapshot;
import dev.orchestrator.scheduling.Placement;
import dev.orchestrator.scheduling.PipelineScheduler;
import dev.orchestrator.scheduling.Schedulers;
import dev.orchestrator.scheduling.Scores;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.function.Supplier;

/**
 * Scheduler throughput and placement quality on one thread, the library's batch placement next to
 * plain ports of kube-scheduler ({@link KubePort}, full scan and adaptive sampling) and SwarmKit
 * ({@link SwarmPort}) on the same seeded workloads, in the same JVM run. Prints a Markdown table.
 *
 * <pre>
 * mvn -B -q -o -DskipTests -pl examples -am package
 * java -Xmx2g -cp "examples/target/classes:$(cat examples/target/runtime-classpath.txt)" \
 *     dev.orchestrator.examples.bench.SchedulerBench [timed runs per cell, default 3]
 * </pre>
 *
 * Each cell runs once to warm up, then the given number of times; the median time counts, both
 * the thread's CPU time (what one core does, robust on a shared machine) and wall-clock time.
 * Quality is measured on the final assignment: for spread, the standard deviation and maximum of
 * per-node CPU utilization (over eligible nodes); for bin-pack, nodes used against the lower bound.
 */
public final class SchedulerBench {
  private SchedulerBench() {}

  /** {@code run} does the timed work and returns how to read its assignment afterwards. */
  private record Algorithm(String policy, String name, Supplier<Supplier<int[]>> run) {}

  public static void main(String[] args) {
    int runs = args.length > 0 ? Integer.parseInt(args[0]) : 3;
    long[][] uniform = {{80_000, 160}};
    long[][] mixed = {{32_000, 64}, {80_000, 160}, {128_000, 512}};
    List<Workload> workloads = List.of(
        new Workload("1,000 x 10,000", 1_000, 10_000, uniform, false, 1),
        new Workload("1,000 x 100,000", 1_000, 100_000, uniform, false, 2),
        new Workload("5,000 x 50,000", 5_000, 50_000, uniform, false, 3),
        new Workload("1,000 x 30,000, 1/3 eligible", 1_000, 30_000, uniform, true, 4),
        new Workload("1,000 x 100,000, 3 node sizes", 1_000, 100_000, mixed, false, 5));
    System.out.printf("java %s, %d timed run(s) per cell after one warm-up, one thread, load average %.1f on %d CPUs%n%n",
        Runtime.version(), runs, ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage(),
        Runtime.getRuntime().availableProcessors());
    System.out.println("| workload | policy | scheduler | placements/s (thread CPU time) | placements/s (wall) | placed | CPU util stddev | CPU util max | nodes used | lower bound | used / bound |");
    System.out.println("|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (Workload w : workloads) {
      for (Algorithm a : algorithms(w)) {
        measure(w, a, runs);
      }
    }
  }

  private static List<Algorithm> algorithms(Workload w) {
    ClusterSnapshot snapshot = w.snapshot();
    List<Algorithm> list = new ArrayList<>();
    list.add(new Algorithm("spread", "library spread (indexed, every feasible node)", library(w, snapshot, Schedulers.spread())));
    list.add(new Algorithm("spread", "kube LeastAllocated, full scan", () -> done(new KubePort(w, false, false).run())));
    list.add(new Algorithm("spread", "kube LeastAllocated, sampling", () -> done(new KubePort(w, false, true).run())));
    list.add(new Algorithm("spread", "SwarmKit per-service heap", () -> done(new SwarmPort(w).run())));
    list.add(new Algorithm("bin-pack", "library bin-pack (indexed, every feasible node, services interleaved)",
        library(w, snapshot, Schedulers.binPack())));
    list.add(new Algorithm("bin-pack", "library bin-pack in request order",
        library(w, snapshot, Schedulers.withDefaultFilters().score(Scores.mostAllocated(), 1).build())));
    list.add(new Algorithm("bin-pack", "kube MostAllocated, full scan", () -> done(new KubePort(w, true, false).run())));
    list.add(new Algorithm("bin-pack", "kube MostAllocated, sampling", () -> done(new KubePort(w, true, true).run())));
    return list;
  }

  /** Times placeAll only; mapping names back to indexes happens after the clock stops. */
  private static Supplier<Supplier<int[]>> library(Workload w, ClusterSnapshot snapshot, PipelineScheduler scheduler) {
    return () -> {
      List<Placement> placements = scheduler.placeAll(w.requests, snapshot);
      return () -> w.assignment(placements);
    };
  }

  private static Supplier<int[]> done(int[] assignment) {
    return () -> assignment;
  }

  private static void measure(Workload w, Algorithm a, int runs) {
    ThreadMXBean threads = ManagementFactory.getThreadMXBean();
    Supplier<int[]> result = a.run().get();
    long[] cpuNanos = new long[runs];
    long[] wallNanos = new long[runs];
    for (int i = 0; i < runs; i++) {
      long cpuStart = threads.getCurrentThreadCpuTime();
      long start = System.nanoTime();
      result = a.run().get();
      wallNanos[i] = System.nanoTime() - start;
      cpuNanos[i] = threads.getCurrentThreadCpuTime() - cpuStart;
    }
    Arrays.sort(cpuNanos);
    Arrays.sort(wallNanos);
    int[] assignment = result.get();
    double perCpuSecond = w.replicas() / (cpuNanos[runs / 2] / 1e9);
    double perSecond = w.replicas() / (wallNanos[runs / 2] / 1e9);
    Workload.Quality q = w.quality(assignment);
    boolean spread = a.policy().equals("spread");
    System.out.printf(Locale.ROOT, "| %s | %s | %s | %,.0f | %,.0f | %,d%s | %s | %s | %s | %s | %s |%n", w.name, a.policy(), a.name(), perCpuSecond, perSecond,
        q.placed(), q.overCommitted() ? " OVER-COMMITTED" : "",
        spread ? String.format(Locale.ROOT, "%.4f", q.cpuStddev()) : "", spread ? String.format(Locale.ROOT, "%.3f", q.cpuMax()) : "",
        spread ? "" : String.format(Locale.ROOT, "%,d", q.nodesUsed()), spread ? "" : String.format(Locale.ROOT, "%,d", q.lowerBound()),
        spread ? "" : String.format(Locale.ROOT, "%.3f", (double) q.nodesUsed() / q.lowerBound()));
  }
}
