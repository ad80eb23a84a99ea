package dev.orchestrator.scheduling;

import dev.orchestrator.OrchestratorException;

/**
 * A replica fits no node; {@link #diagnosis()} names every node and why it was rejected. Thrown
 * by {@code Orchestrator.awaitReady} when the wait ends with a replica still unschedulable.
 */
public class SchedulingException extends OrchestratorException {
  private final String replica;
  private final String diagnosis;

  public SchedulingException(String message, String replica, String diagnosis) {
    super(message);
    this.replica = replica;
    this.diagnosis = diagnosis;
  }

  /** The replica that fits nowhere, {@code <service>-<slot>}. */
  public String replica() {
    return replica;
  }

  /** For every node, why it cannot take the replica. */
  public String diagnosis() {
    return diagnosis;
  }
}
