package dev.orchestrator.network.lb;

import dev.orchestrator.OrchestratorException;

/** No endpoint of the service can be chosen: none is registered, or all are cooling down after failures. */
public class NoEndpointAvailableException extends OrchestratorException {
  public NoEndpointAvailableException(String message) {
    super(message);
  }
}
