package dev.orchestrator;

/** A volume or network cannot be removed: containers still use it. */
public class ResourceInUseException extends OrchestratorException {
  private final String resource;

  public ResourceInUseException(String resource, String message) {
    super(message);
    this.resource = resource;
  }

  public String resource() {
    return resource;
  }
}
