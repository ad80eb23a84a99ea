package dev.orchestrator.spec;

/**
 * CPU and memory a replica asks for. Requests drive placement (a node must have them free);
 * limits cap what a runtime lets the replica use (0 = no limit).
 *
 * @param cpuMillis CPU request in millicores (1000 = one core)
 * @param memoryBytes memory request in bytes
 * @param cpuLimitMillis CPU limit in millicores, 0 for none
 * @param memoryLimitBytes memory limit in bytes, 0 for none
 */
public record Resources(long cpuMillis, long memoryBytes, long cpuLimitMillis, long memoryLimitBytes) {
  /** No requests and no limits: fits anywhere. */
  public static final Resources NONE = new Resources(0, 0, 0, 0);

  public static final long MIB = 1024L * 1024L;
  public static final long GIB = 1024L * MIB;

  /** Requests only, no limits. */
  public static Resources requests(long cpuMillis, long memoryBytes) {
    return new Resources(cpuMillis, memoryBytes, 0, 0);
  }

  public Resources withLimits(long cpuLimitMillis, long memoryLimitBytes) {
    return new Resources(cpuMillis, memoryBytes, cpuLimitMillis, memoryLimitBytes);
  }

  /** Renders bytes the way diagnoses print them ("512 MiB"). */
  public static String formatBytes(long bytes) {
    if (bytes % GIB == 0 && bytes != 0) {
      return bytes / GIB + " GiB";
    }
    if (bytes >= MIB) {
      return bytes / MIB + " MiB";
    }
    return bytes + " B";
  }
}
