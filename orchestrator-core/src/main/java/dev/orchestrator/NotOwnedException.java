package dev.orchestrator;

/** The orchestrator was asked to change something it does not own (its labels are missing). */
public class NotOwnedException extends OrchestratorException {
  private final String resource;

  public NotOwnedException(String resource, String message) {
    super(message);
    this.resource = resource;
  }

  public String resource() {
    return resource;
  }
}
