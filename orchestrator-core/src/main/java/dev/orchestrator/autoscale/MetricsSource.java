package dev.orchestrator.autoscale;

/**
 * Where an {@link Autoscaler} reads the current value of a service's metric. Called on the
 * autoscaler's thread, once per sample; it may block for a bounded time (a remote read).
 * Implementations: {@link RuntimeStatsSource} (CPU or memory of the running replicas),
 * {@link MicrometerGaugeSource} (a gauge the application publishes), or any function of the
 * service name.
 */
@FunctionalInterface
public interface MetricsSource {
  /**
   * The service's metric now: one value per replica, or one total for the service. Return
   * {@link MetricSample#none()} (or throw) when there is no value; the autoscaler then keeps the
   * replica count.
   */
  MetricSample read(String service);
}
