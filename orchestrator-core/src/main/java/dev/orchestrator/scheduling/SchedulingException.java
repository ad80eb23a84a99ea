package dev.orchestrator.scheduling;

import dev.orchestrator.OrchestratorException;

/** A replica could not be placed; carries the diagnosis. */
public class SchedulingException extends OrchestratorException {
  private final Placement placement;

  public SchedulingException(String service, int slot, Placement placement) {
    super(service + "-" + slot + " fits no node: " + placement.diagnosis());
    this.placement = placement;
  }

  public Placement placement() {
    return placement;
  }
}
