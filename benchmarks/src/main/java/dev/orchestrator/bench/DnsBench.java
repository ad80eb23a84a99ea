package dev.orchestrator.bench;

import dev.orchestrator.network.dns.DnsServer;
import dev.orchestrator.registry.Endpoint;
import dev.orchestrator.registry.InMemoryServiceRegistry;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.lang.management.ManagementFactory;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;

/**
 * The DNS face of the registry against dnsmasq, side by side in one run, on loopback: both serve
 * the same names ({@code --services} services of {@code --replicas} replicas each, A records for
 * every service name and every replica name; dnsmasq from a hosts file), and dnsperf asks each the
 * same A queries. Per server: queries per second ({@code dnsperf -c 4 -q 200 -l 10} by default),
 * the server's CPU time during the run (so queries per CPU-second), then a shorter run with
 * dnsperf's per-query output for latency percentiles. The rounds alternate the servers.
 *
 * <p>Needs {@code dnsmasq} and {@code dnsperf} on the PATH (scripts/dns-bench.sh installs them).
 * Options: --services=100 --replicas=3 --seconds=10 --clients=4 --outstanding=200 --rounds=2
 * --udpThreads=2 --latencySeconds=5.
 */
public final class DnsBench {
  private DnsBench() {}

  public static void main(String[] args) throws Exception {
    int services = Integer.parseInt(Bench.arg(args, "services", "100"));
    int replicas = Integer.parseInt(Bench.arg(args, "replicas", "3"));
    int seconds = Integer.parseInt(Bench.arg(args, "seconds", "10"));
    int clients = Integer.parseInt(Bench.arg(args, "clients", "4"));
    int outstanding = Integer.parseInt(Bench.arg(args, "outstanding", "200"));
    int rounds = Integer.parseInt(Bench.arg(args, "rounds", "2"));
    int udpThreads = Integer.parseInt(Bench.arg(args, "udpThreads", "2"));
    int latencySeconds = Integer.parseInt(Bench.arg(args, "latencySeconds", "5"));

    Path dir = Files.createTempDirectory("dns-bench");
    List<String> hosts = new ArrayList<>();
    List<String> queries = new ArrayList<>();
    try (InMemoryServiceRegistry registry = new InMemoryServiceRegistry()) {
      for (int s = 0; s < services; s++) {
        String service = "svc" + s;
        queries.add(service + ".svc.local A");
        for (int r = 0; r < replicas; r++) {
          String ip = "10." + (s / 250) + "." + (s % 250) + "." + (r + 1);
          registry.register(new Endpoint(service, service + "-" + r, "node-1", ip, Map.of("http", 8080), Map.of()));
          hosts.add(ip + " " + service + "-" + r + "." + service + ".svc.local " + service + ".svc.local");
          queries.add(service + "-" + r + "." + service + ".svc.local A");
        }
      }
      Path hostsFile = Files.write(dir.resolve("hosts"), hosts);
      Path queryFile = Files.write(dir.resolve("queries"), queries);
      System.out.printf(Locale.ROOT, "%d services x %d replicas: %d names, %d A queries in the file; %d cores%n",
          services, replicas, queries.size(), queries.size(), Runtime.getRuntime().availableProcessors());

      int dnsmasqPort = freeUdpPort();
      Process dnsmasq = new ProcessBuilder("dnsmasq", "--keep-in-foreground", "--port=" + dnsmasqPort,
          "--listen-address=127.0.0.1", "--bind-interfaces", "--no-resolv", "--no-hosts", "--addn-hosts=" + hostsFile,
          "--local=/svc.local/", "--local-ttl=5", "--cache-size=10000", "--user=root", "--pid-file=")
          .redirectErrorStream(true).redirectOutput(dir.resolve("dnsmasq.log").toFile()).start();
      try (DnsServer server = DnsServer.builder(registry).udpThreads(udpThreads).start()) {
        Thread.sleep(500);
        if (!dnsmasq.isAlive()) {
          throw new IllegalStateException("dnsmasq exited: " + Files.readString(dir.resolve("dnsmasq.log")));
        }
        int ours = server.address().getPort();
        System.out.println("warm-up (JIT) of the embedded server: 3 s");
        dnsperf(ours, queryFile, clients, outstanding, 3, false);

        List<List<String>> rows = new ArrayList<>();
        LongSupplier ourCpu = () -> ((com.sun.management.OperatingSystemMXBean) ManagementFactory.getOperatingSystemMXBean()).getProcessCpuTime();
        LongSupplier theirCpu = () -> procCpuNanos(dnsmasq.pid());
        for (int round = 1; round <= rounds; round++) {
          rows.add(measure("embedded (dnsjava)", round, ours, ourCpu, queryFile, clients, outstanding, seconds, latencySeconds));
          rows.add(measure("dnsmasq " + dnsmasqVersion(), round, dnsmasqPort, theirCpu, queryFile, clients, outstanding, seconds,
              latencySeconds));
        }
        Stats.table(String.format(Locale.ROOT, "DNS A queries on loopback (dnsperf -c %d -q %d -l %d; latency from a %d s run with -v)",
                clients, outstanding, seconds, latencySeconds),
            List.of("server", "round", "queries/s", "lost", "CPU s", "queries/CPU-s", "p50 ms", "p99 ms", "p99.9 ms"), rows);
      } finally {
        dnsmasq.destroy();
        dnsmasq.waitFor(5, TimeUnit.SECONDS);
      }
    }
  }

  private static List<String> measure(String name, int round, int port, LongSupplier cpuNanos, Path queries, int clients, int outstanding,
      int seconds, int latencySeconds) throws Exception {
    long cpuBefore = cpuNanos.getAsLong();
    Result run = dnsperf(port, queries, clients, outstanding, seconds, false);
    double cpu = (cpuNanos.getAsLong() - cpuBefore) / 1e9;
    Result latency = dnsperf(port, queries, clients, outstanding, latencySeconds, true);
    Stats stats = new Stats(latency.latenciesMs);
    return List.of(name, "" + round, String.format(Locale.ROOT, "%.0f", run.qps), "" + run.lost, Stats.f2(cpu),
        String.format(Locale.ROOT, "%.0f", run.completed / cpu), Stats.f2(stats.p(50)), Stats.f2(stats.p(99)), Stats.f2(stats.p(99.9)));
  }

  private record Result(double qps, long completed, long lost, List<Double> latenciesMs) {}

  private static Result dnsperf(int port, Path queries, int clients, int outstanding, int seconds, boolean verbose) throws Exception {
    List<String> command = new ArrayList<>(List.of("dnsperf", "-s", "127.0.0.1", "-p", "" + port, "-d", queries.toString(),
        "-c", "" + clients, "-q", "" + outstanding, "-l", "" + seconds, "-t", "2"));
    if (verbose) {
      command.add("-v");
    }
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    double qps = 0;
    long completed = 0;
    long lost = 0;
    List<Double> latencies = new ArrayList<>();
    int odd = 0;
    try (BufferedReader out = new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.UTF_8))) {
      String line;
      while ((line = out.readLine()) != null) {
        String t = line.strip();
        if (t.startsWith("> ")) {
          String last = t.substring(t.lastIndexOf(' ') + 1);
          if (!last.isEmpty() && Character.isDigit(last.charAt(0))) {
            latencies.add(Double.parseDouble(last) * 1000);
          } else if (odd++ < 3) {
            System.out.println("dnsperf line without latency: " + t);
          }
        } else if (t.startsWith("Queries per second:")) {
          qps = Double.parseDouble(t.substring(t.indexOf(':') + 1).strip());
        } else if (t.startsWith("Queries completed:")) {
          completed = Long.parseLong(t.substring(t.indexOf(':') + 1).strip().split(" ")[0]);
        } else if (t.startsWith("Queries lost:")) {
          lost = Long.parseLong(t.substring(t.indexOf(':') + 1).strip().split(" ")[0]);
        }
      }
    }
    if (!p.waitFor(seconds + 30L, TimeUnit.SECONDS) || p.exitValue() != 0) {
      p.destroyForcibly();
      throw new IllegalStateException("dnsperf failed: " + command);
    }
    return new Result(qps, completed, lost, latencies);
  }

  /** utime + stime of a process, from /proc (clock ticks of 10 ms). */
  private static long procCpuNanos(long pid) {
    try {
      String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
      String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      return (Long.parseLong(f[11]) + Long.parseLong(f[12])) * 10_000_000L;
    } catch (IOException e) {
      throw new IllegalStateException("cannot read the CPU time of process " + pid, e);
    }
  }

  private static String dnsmasqVersion() {
    try {
      Process p = new ProcessBuilder("dnsmasq", "--version").redirectErrorStream(true).start();
      String first = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).lines().findFirst().orElse("");
      p.waitFor(5, TimeUnit.SECONDS);
      String[] words = first.split(" ");
      return words.length >= 3 ? words[2] : "";
    } catch (IOException e) {
      return "";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "";
    }
  }

  private static int freeUdpPort() throws IOException {
    try (DatagramSocket socket = new DatagramSocket(0, InetAddress.getLoopbackAddress())) {
      return socket.getLocalPort();
    }
  }
}
