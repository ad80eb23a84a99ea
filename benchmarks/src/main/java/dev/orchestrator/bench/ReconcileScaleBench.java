package dev.orchestrator.bench;

import dev.orchestrator.Orchestrator;
import dev.orchestrator.event.OrchestratorEvent;
import dev.orchestrator.internal.ControlPlane;
import dev.orchestrator.simulation.SimulatedCluster;
import dev.orchestrator.spec.Resources;
import dev.orchestrator.spec.ServiceSpec;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.cumulative.CumulativeTimer;
import io.micrometer.core.instrument.distribution.DistributionStatisticConfig;
import io.micrometer.core.instrument.distribution.pause.PauseDetector;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Reconcile at scale on the simulator (no Docker): converges {@code --services} services of
 * {@code --replicas} replicas across {@code --nodes} simulated nodes from empty, then measures
 * steady-state resync passes with nothing to do (every service reconciled once) and the heap the
 * converged orchestrator and simulator hold. Runs once per mode of {@code --cache=off,on}: "off"
 * lists every node in every pass (the behaviour before the observed-state cache), "on" reads the
 * cache. Prints one table with both.
 *
 * <pre>scripts/bench.sh ReconcileScaleBench [--nodes=500] [--services=1000] [--replicas=10] [--cache=off,on] [--resyncs=5]</pre>
 */
public final class ReconcileScaleBench {
  private ReconcileScaleBench() {}

  record Result(String mode, double convergeMs, double convergeCpuMs, long convergeLists, double[] resyncMs, double[] resyncCpuMs,
      long resyncPasses, long resyncLists, double heapMb, int ready) {}

  /** CPU time of the orchestrator's own threads (workers, resync, cleanup, ...; named "orchestrator-"), in ms. */
  private static double orchestratorCpuMs() {
    java.lang.management.ThreadMXBean threads = java.lang.management.ManagementFactory.getThreadMXBean();
    long nanos = 0;
    for (java.lang.management.ThreadInfo t : threads.getThreadInfo(threads.getAllThreadIds())) {
      if (t != null && t.getThreadName().startsWith("orchestrator-")) {
        nanos += Math.max(0, threads.getThreadCpuTime(t.getThreadId()));
      }
    }
    return nanos / 1e6;
  }

  /** CPU time of the whole process so far (every thread, JIT and GC included), in ms. */
  private static double cpuMs() {
    return ((com.sun.management.OperatingSystemMXBean) java.lang.management.ManagementFactory.getOperatingSystemMXBean())
        .getProcessCpuTime() / 1e6;
  }

  public static void main(String[] args) throws Exception {
    int nodes = intArg(args, "nodes", 500);
    int services = intArg(args, "services", 1000);
    int replicas = intArg(args, "replicas", 10);
    int resyncs = intArg(args, "resyncs", 5);
    List<String> modes = List.of(arg(args, "cache", "off,on").split(","));
    System.out.printf(Locale.ROOT, "reconcile at scale: %d nodes, %d services x %d replicas, %d cores%n",
        nodes, services, replicas, Runtime.getRuntime().availableProcessors());
    List<Result> results = new ArrayList<>();
    for (String mode : modes) {
      results.add(run(mode, nodes, services, replicas, resyncs));
    }
    System.out.println();
    System.out.println("| observed-state cache | converge, wall (ms) | converge, process CPU (ms) | list calls to converge | ready | steady resync pass, wall, median (ms) | min | max | orchestrator CPU per resync, median (ms) | passes per resync | list calls per resync | heap used after converging (MB) |");
    System.out.println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
    for (Result r : results) {
      double[] sorted = r.resyncMs().clone();
      java.util.Arrays.sort(sorted);
      double[] cpu = r.resyncCpuMs().clone();
      java.util.Arrays.sort(cpu);
      System.out.printf(Locale.ROOT, "| %s | %.0f | %.0f | %,d | %,d | %.1f | %.1f | %.1f | %.1f | %d | %,d | %.0f |%n", r.mode(), r.convergeMs(),
          r.convergeCpuMs(), r.convergeLists(), r.ready(), sorted[sorted.length / 2], sorted[0], sorted[sorted.length - 1],
          cpu[cpu.length / 2], r.resyncPasses() / sorted.length, r.resyncLists() / sorted.length, r.heapMb());
    }
  }

  private static Result run(String mode, int nodes, int services, int replicas, int resyncs) throws Exception {
    System.setProperty(ControlPlane.OBSERVED_STATE_CACHE, Boolean.toString(!mode.equals("off")));
    double baseline = heapMb();
    SimpleMeterRegistry meters = new CountingRegistry();
    AtomicInteger ready = new AtomicInteger();
    AtomicLong lastReadyNanos = new AtomicLong();
    SimulatedCluster cluster = SimulatedCluster.builder().clock(Clock.systemUTC())
        .nodes("node", nodes, 64_000, 256L * 1024 * Resources.MIB).build();
    Orchestrator o = Orchestrator.builder().instanceId("scale-" + mode).nodes(cluster.runtimes())
        .resyncInterval(Duration.ofHours(1)).callTimeout(Duration.ofSeconds(30)).meterRegistry(meters)
        .eventListener(e -> {
          if (e instanceof OrchestratorEvent.ReplicaReady) {
            ready.incrementAndGet();
            lastReadyNanos.set(System.nanoTime());
          }
        }).build();
    try {
      int total = services * replicas;
      long lists0 = cluster.stats().lists();
      double cpu0 = cpuMs();
      long t0 = System.nanoTime();
      for (int i = 0; i < services; i++) {
        o.apply(ServiceSpec.builder(String.format(Locale.ROOT, "svc-%04d", i)).image("app").replicas(replicas)
            .resources(Resources.requests(100 + (i % 7) * 50, (64 + (i % 5) * 64) * Resources.MIB)).build());
      }
      long deadline = System.nanoTime() + Duration.ofMinutes(10).toNanos();
      while (ready.get() < total && System.nanoTime() < deadline) {
        Thread.sleep(5);
      }
      double convergeMs = (lastReadyNanos.get() - t0) / 1e6;
      double convergeCpuMs = cpuMs() - cpu0;
      quiesce();
      long convergeLists = cluster.stats().lists() - lists0;
      int readyNow = 0;
      for (int i = 0; i < services; i++) {
        readyNow += o.status(String.format(Locale.ROOT, "svc-%04d", i)).readyReplicas();
      }
      double heap = heapMb() - baseline;
      System.out.printf(Locale.ROOT, "[cache %s] converged %,d/%,d replicas in %.0f ms (%.0f ms process CPU) with %,d list calls; heap %.0f MB%n",
          mode, readyNow, total, convergeMs, convergeCpuMs, convergeLists, heap);
      double[] resyncMs = new double[resyncs];
      double[] resyncCpuMs = new double[resyncs];
      long passes = 0;
      long lists = 0;
      for (int r = 0; r < resyncs; r++) {
        long before = passes();
        double busy0 = passTimeMs();
        long l0 = cluster.stats().lists();
        double threadCpu0 = orchestratorCpuMs();
        long start = System.nanoTime();
        o.resync();
        long end = quiesce(before + services);
        resyncMs[r] = (end - start) / 1e6;
        resyncCpuMs[r] = orchestratorCpuMs() - threadCpu0;
        passes += passes() - before;
        lists += cluster.stats().lists() - l0;
        System.out.printf(Locale.ROOT, "[cache %s] resync %d: %.1f ms, %.1f ms orchestrator CPU, %d passes (%.0f us each on average), %,d list calls%n", mode,
            r + 1, resyncMs[r], resyncCpuMs[r], passes() - before, (passTimeMs() - busy0) * 1000 / (passes() - before),
            cluster.stats().lists() - l0);
      }
      return new Result(mode, convergeMs, convergeCpuMs, convergeLists, resyncMs, resyncCpuMs, passes, lists, heap, readyNow);
    } finally {
      o.close();
      cluster.close();
    }
  }

  /** Waits until no pass has finished for 300 ms; returns when the last one finished (nanoTime). */
  private static long quiesce() throws InterruptedException {
    return quiesce(0);
  }

  /**
   * Waits until at least {@code atLeast} passes have finished and then none for 300 ms (a resync
   * queues every service, and again those the resync thread finds on the nodes); returns when the
   * last one finished (nanoTime).
   */
  private static long quiesce(long atLeast) throws InterruptedException {
    long seen = passes();
    long changedAt = System.nanoTime();
    while (seen < atLeast || System.nanoTime() - changedAt < 300_000_000L) {
      Thread.sleep(1);
      long now = passes();
      if (now != seen) {
        seen = now;
        changedAt = System.nanoTime();
      }
    }
    return changedAt;
  }

  private static long passes() {
    return PASSES.get();
  }

  /** Total time of every pass so far, in ms. */
  private static double passTimeMs() {
    return PASS_NANOS.get() / 1e6;
  }

  private static final AtomicLong PASSES = new AtomicLong();
  private static final AtomicLong PASS_NANOS = new AtomicLong();

  /**
   * A registry whose pass timers also add to two global counters, so that polling for "no pass
   * finished lately" reads two numbers instead of a thousand timers (that polling took a tenth of
   * the CPU of a resync).
   */
  private static final class CountingRegistry extends SimpleMeterRegistry {
    @Override
    protected Timer newTimer(Meter.Id id, DistributionStatisticConfig config, PauseDetector pauseDetector) {
      if (!id.getName().equals("orchestrator.reconcile.duration")) {
        return super.newTimer(id, config, pauseDetector);
      }
      return new CumulativeTimer(id, clock, config, pauseDetector, getBaseTimeUnit(), false) {
        @Override
        protected void recordNonNegative(long amount, TimeUnit unit) {
          super.recordNonNegative(amount, unit);
          PASS_NANOS.addAndGet(unit.toNanos(amount));
          PASSES.incrementAndGet();
        }
      };
    }
  }

  private static double heapMb() throws InterruptedException {
    Runtime rt = Runtime.getRuntime();
    for (int i = 0; i < 3; i++) {
      System.gc();
      Thread.sleep(50);
    }
    return (rt.totalMemory() - rt.freeMemory()) / (1024.0 * 1024.0);
  }

  private static int intArg(String[] args, String name, int dflt) {
    return Integer.parseInt(arg(args, name, Integer.toString(dflt)));
  }

  private static String arg(String[] args, String name, String dflt) {
    for (String a : args) {
      if (a.startsWith("--" + name + "=")) {
        return a.substring(name.length() + 3);
      }
    }
    return dflt;
  }
}
