package dev.orchestrator.runtime;

import dev.orchestrator.OrchestratorException;

/** A runtime call failed; names the node and, where there is one, the container. */
public class ContainerRuntimeException extends OrchestratorException {
  private final String node;
  private final String resourceId;

  public ContainerRuntimeException(String node, String resourceId, String message) {
    super(message);
    this.node = node;
    this.resourceId = resourceId == null ? "" : resourceId;
  }

  public ContainerRuntimeException(String node, String resourceId, String message, Throwable cause) {
    super(message, cause);
    this.node = node;
    this.resourceId = resourceId == null ? "" : resourceId;
  }

  public String node() {
    return node;
  }

  /** The container (or image) concerned, empty when none. */
  public String resourceId() {
    return resourceId;
  }
}
