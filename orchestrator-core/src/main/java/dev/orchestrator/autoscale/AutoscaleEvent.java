package dev.orchestrator.autoscale;

import java.time.Instant;

/**
 * One decision an {@link Autoscaler} acted on: every regular decision (scaling or not) and every
 * immediate reaction to a sample.
 *
 * @param time when it was decided (the autoscaler's clock)
 * @param service the service
 * @param decision what was decided and why
 * @param applied whether the replica count was changed ({@code Orchestrator.scale} succeeded)
 * @param error why the metric could not be read or the scale failed; empty if neither
 */
public record AutoscaleEvent(Instant time, String service, Decision decision, boolean applied, String error) {
  @Override
  public String toString() {
    return time + " " + service + ": " + decision + (applied ? " applied" : "") + (error.isEmpty() ? "" : " error: " + error);
  }
}
