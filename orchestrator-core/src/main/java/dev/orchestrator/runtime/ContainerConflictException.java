package dev.orchestrator.runtime;

/** A container with the requested name exists already; {@link #resourceId()} is its id. */
public class ContainerConflictException extends ContainerRuntimeException {
  public ContainerConflictException(String node, String existingId, String message) {
    super(node, existingId, message);
  }
}
