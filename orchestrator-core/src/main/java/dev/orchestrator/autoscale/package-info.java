/**
 * Horizontal autoscaling of services, with the decision rule of the Kubernetes
 * HorizontalPodAutoscaler.
 *
 * <ul>
 *   <li>{@link dev.orchestrator.autoscale.MetricsSource} supplies a {@link dev.orchestrator.autoscale.MetricSample}
 *       per service: {@link dev.orchestrator.autoscale.RuntimeStatsSource} (CPU or memory from the
 *       runtimes), {@link dev.orchestrator.autoscale.MicrometerGaugeSource} (any gauge), or your own.</li>
 *   <li>{@link dev.orchestrator.autoscale.AutoscalePolicy} holds the bounds, the
 *       {@link dev.orchestrator.autoscale.Target} and every constant of the rule.</li>
 *   <li>{@link dev.orchestrator.autoscale.HorizontalAutoscaler} is the pure decision function;
 *       {@link dev.orchestrator.autoscale.Autoscaler} runs it on a clock and applies it with
 *       {@code Orchestrator.scale}.</li>
 * </ul>
 */
package dev.orchestrator.autoscale;
