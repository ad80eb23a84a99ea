package dev.orchestrator.bench;

import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.stream.Stream;

/**
 * Where CPU went between two samples (Linux /proc): the whole machine, this JVM, and the
 * processes of the engine and the containers by name (dockerd, containerd, the shims,
 * docker-proxy, the containers' httpd with its reaped children). Processes that started and ended
 * between the samples are not seen. Empty figures when /proc is not there.
 */
final class CpuUse {
  private static final double TICK = 0.01; // USER_HZ 100
  private static final List<String> NAMES = List.of("dockerd", "containerd", "containerd-shim", "docker-proxy", "httpd");

  private final long machineTicks;
  private final long jvmNanos;
  private final Map<Integer, long[]> processes; // pid -> {name index, ticks}
  private final Map<Integer, Map.Entry<String, Long>> threads; // tid of this JVM -> {name without digits, ticks}

  private CpuUse(long machineTicks, long jvmNanos, Map<Integer, long[]> processes, Map<Integer, Map.Entry<String, Long>> threads) {
    this.machineTicks = machineTicks;
    this.jvmNanos = jvmNanos;
    this.processes = processes;
    this.threads = threads;
  }

  static CpuUse sample() {
    return new CpuUse(machine(), jvm(), processes(), threads());
  }

  /**
   * "orchestrator-en 0.42, C2 CompilerThre 0.31, ..." CPU seconds of this JVM's threads from {@code before} to this
   * sample, by thread name (as Linux keeps it: 15 characters, digits dropped), largest first; JIT and GC included.
   */
  String threadsSince(CpuUse before) {
    Map<String, Long> byName = new HashMap<>();
    threads.forEach((tid, now) -> {
      Map.Entry<String, Long> then = before.threads.get(tid);
      byName.merge(now.getKey(), now.getValue() - (then != null ? then.getValue() : 0), Long::sum);
    });
    StringBuilder b = new StringBuilder("JVM threads CPU s:");
    byName.entrySet().stream().filter(e -> e.getValue() > 0)
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .forEach(e -> b.append(String.format(Locale.ROOT, " %s %.2f,", e.getKey(), e.getValue() * TICK)));
    return b.toString();
  }

  private static Map<Integer, Map.Entry<String, Long>> threads() {
    Map<Integer, Map.Entry<String, Long>> out = new HashMap<>();
    try (Stream<Path> dirs = Files.list(Path.of("/proc/self/task"))) {
      dirs.forEach(p -> {
        try {
          String stat = Files.readString(p.resolve("stat"));
          int close = stat.lastIndexOf(')');
          String name = stat.substring(stat.indexOf('(') + 1, close).replaceAll("[0-9]+", "N");
          String[] f = stat.substring(close + 2).split(" ");
          out.put(Integer.parseInt(p.getFileName().toString()), Map.entry(name, Long.parseLong(f[11]) + Long.parseLong(f[12])));
        } catch (IOException | RuntimeException e) {
          // the thread ended
        }
      });
    } catch (IOException e) {
      // no /proc
    }
    return out;
  }

  /** "machine 31.2 s, this JVM 8.1 s, dockerd 6.0 s, ..." of CPU from {@code before} to this sample. */
  String since(CpuUse before) {
    Map<String, Double> byName = new TreeMap<>();
    processes.forEach((pid, now) -> {
      long[] then = before.processes.get(pid);
      long delta = then != null && then[0] == now[0] ? now[1] - then[1] : now[1];
      byName.merge(NAMES.get((int) now[0]), delta * TICK, Double::sum);
    });
    StringBuilder b = new StringBuilder(String.format(Locale.ROOT, "CPU s: machine %.1f, this JVM %.1f",
        (machineTicks - before.machineTicks) * TICK, (jvmNanos - before.jvmNanos) / 1e9));
    for (String name : NAMES) {
      b.append(String.format(Locale.ROOT, ", %s %.1f", name, byName.getOrDefault(name, 0.0)));
    }
    return b.toString();
  }

  private static long machine() {
    try {
      String[] f = Files.readAllLines(Path.of("/proc/stat")).get(0).trim().split("\\s+");
      long sum = 0;
      for (int i = 1; i < Math.min(f.length, 9); i++) { // user nice system idle iowait irq softirq steal
        if (i != 4 && i != 5) {
          sum += Long.parseLong(f[i]);
        }
      }
      return sum;
    } catch (IOException | RuntimeException e) {
      return 0;
    }
  }

  private static long jvm() {
    return ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
        ? os.getProcessCpuTime() : 0;
  }

  private static Map<Integer, long[]> processes() {
    Map<Integer, long[]> out = new HashMap<>();
    try (Stream<Path> dirs = Files.list(Path.of("/proc"))) {
      dirs.filter(p -> p.getFileName().toString().chars().allMatch(Character::isDigit)).forEach(p -> {
        try {
          String stat = Files.readString(p.resolve("stat"));
          int open = stat.indexOf('(');
          int close = stat.lastIndexOf(')');
          String comm = stat.substring(open + 1, close);
          int name = -1;
          for (int i = 0; i < NAMES.size(); i++) {
            if (comm.startsWith(NAMES.get(i))) {
              name = i;
            }
          }
          if (name < 0) {
            return;
          }
          String[] f = stat.substring(close + 2).split(" ");
          // fields after the name: state(0) ... utime(11) stime(12) cutime(13) cstime(14)
          long ticks = Long.parseLong(f[11]) + Long.parseLong(f[12]) + Long.parseLong(f[13]) + Long.parseLong(f[14]);
          out.put(Integer.parseInt(p.getFileName().toString()), new long[] {name, ticks});
        } catch (IOException | RuntimeException e) {
          // the process ended
        }
      });
    } catch (IOException e) {
      // no /proc
    }
    return out;
  }
}
