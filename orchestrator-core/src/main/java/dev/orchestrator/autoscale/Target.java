package dev.orchestrator.autoscale;

import dev.orchestrator.spec.Resources;

/**
 * What a replica should carry on average. Utilization targets are a percentage of the
 * service's request ({@link Resources#cpuMillis()} or {@link Resources#memoryBytes()}), as in
 * Kubernetes; the {@link MetricsSource} then reports raw usage (millicores or bytes) and the
 * service must declare that request. An average-value target is in the source's own unit.
 *
 * @param kind what the value means
 * @param value the percentage for utilization, the per-replica value otherwise
 */
public record Target(Kind kind, double value) {
  /** How {@link #value()} is read. */
  public enum Kind {
    /** Percent of the CPU request; the source reports millicores. */
    CPU_UTILIZATION,
    /** Percent of the memory request; the source reports bytes. */
    MEMORY_UTILIZATION,
    /** An absolute value per replica, in the source's unit. */
    AVERAGE_VALUE
  }

  public Target {
    if (kind == null || !Double.isFinite(value) || value <= 0) {
      throw new IllegalArgumentException("a target needs a kind and a positive value, got " + kind + " " + value);
    }
  }

  /** Average CPU usage at {@code percent} of the CPU request (Kubernetes' {@code averageUtilization}). */
  public static Target cpuUtilization(int percent) {
    return new Target(Kind.CPU_UTILIZATION, percent);
  }

  /** Average memory usage at {@code percent} of the memory request. */
  public static Target memoryUtilization(int percent) {
    return new Target(Kind.MEMORY_UTILIZATION, percent);
  }

  /** An average of {@code perReplica} per replica, in the source's unit (bytes, requests/s, ...). */
  public static Target averageValue(double perReplica) {
    return new Target(Kind.AVERAGE_VALUE, perReplica);
  }

  /** The target as a value per replica in the source's unit. */
  double perReplica(Resources requests) {
    return switch (kind) {
      case CPU_UTILIZATION -> request(requests.cpuMillis(), "CPU") * value / 100;
      case MEMORY_UTILIZATION -> request(requests.memoryBytes(), "memory") * value / 100;
      case AVERAGE_VALUE -> value;
    };
  }

  /**
   * What a replica without a value is assumed to use when the rest suggest scaling down:
   * Kubernetes assumes the whole request (or the target, if above 100%) for utilization and the
   * target for other metrics, so that missing values slow a scale-down.
   */
  double missingOnScaleDown(Resources requests) {
    return switch (kind) {
      case CPU_UTILIZATION -> request(requests.cpuMillis(), "CPU") * Math.max(100, value) / 100;
      case MEMORY_UTILIZATION -> request(requests.memoryBytes(), "memory") * Math.max(100, value) / 100;
      case AVERAGE_VALUE -> value;
    };
  }

  private static double request(long request, String resource) {
    if (request <= 0) {
      throw new IllegalArgumentException("a " + resource + " utilization target needs a " + resource + " request in the service's resources");
    }
    return request;
  }

  @Override
  public String toString() {
    return kind == Kind.AVERAGE_VALUE ? "average " + value : value + "% of the " + (kind == Kind.CPU_UTILIZATION ? "CPU" : "memory") + " request";
  }
}
