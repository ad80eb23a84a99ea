package dev.orchestrator.docker;

import com.github.dockerjava.api.model.CpuStatsConfig;
import com.github.dockerjava.api.model.MemoryStatsConfig;
import com.github.dockerjava.api.model.Statistics;
import dev.orchestrator.runtime.ContainerStats;
import java.time.Instant;

/** One-shot stats (the engine samples twice, about a second apart) turned into millicores and bytes. */
final class Stats {
  private Stats() {}

  static ContainerStats read(Engine engine, String containerId) {
    Sample sample = engine.client().statsCmd(containerId).withNoStream(true).exec(new Sample());
    engine.await(sample, engine.responseTimeout(), "stats of " + containerId, containerId);
    Statistics s = sample.first;
    if (s == null) {
      return new ContainerStats(0, 0, 0, Instant.now());
    }
    long total = cpuTotal(s.getCpuStats());
    long cpuDelta = total - cpuTotal(s.getPreCpuStats());
    long systemDelta = system(s.getCpuStats()) - system(s.getPreCpuStats());
    long cpus = onlineCpus(s.getCpuStats());
    long millis = cpuDelta > 0 && systemDelta > 0 ? Math.round((double) cpuDelta / systemDelta * cpus * 1000) : 0;
    Instant time = ContainerMapping.time(s.getRead());
    return new ContainerStats(millis, memory(s.getMemoryStats()), total, time == null ? Instant.now() : time);
  }

  private static long cpuTotal(CpuStatsConfig c) {
    return c == null || c.getCpuUsage() == null || c.getCpuUsage().getTotalUsage() == null ? 0 : c.getCpuUsage().getTotalUsage();
  }

  private static long system(CpuStatsConfig c) {
    return c == null || c.getSystemCpuUsage() == null ? 0 : c.getSystemCpuUsage();
  }

  private static long onlineCpus(CpuStatsConfig c) {
    if (c != null && c.getOnlineCpus() != null && c.getOnlineCpus() > 0) {
      return c.getOnlineCpus();
    }
    if (c != null && c.getCpuUsage() != null && c.getCpuUsage().getPercpuUsage() != null) {
      return Math.max(1, c.getCpuUsage().getPercpuUsage().size());
    }
    return 1;
  }

  /** Usage without the page cache that can be reclaimed, as the docker CLI reports it. */
  private static long memory(MemoryStatsConfig m) {
    if (m == null || m.getUsage() == null) {
      return 0;
    }
    long usage = m.getUsage();
    if (m.getStats() != null) {
      Long inactive = m.getStats().getTotalInactiveFile() != null ? m.getStats().getTotalInactiveFile() : m.getStats().getInactiveFile();
      if (inactive != null && inactive < usage) {
        return usage - inactive;
      }
    }
    return usage;
  }

  /** Keeps the first sample; with no-stream the engine sends one and ends. */
  static final class Sample extends StreamCallback<Statistics> {
    private volatile Statistics first;

    @Override
    public void onNext(Statistics statistics) {
      if (first == null) {
        first = statistics;
      }
    }
  }
}
