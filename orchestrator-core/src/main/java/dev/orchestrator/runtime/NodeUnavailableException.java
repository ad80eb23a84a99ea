package dev.orchestrator.runtime;

/** The node does not answer at all (down, unreachable, its engine stopped). */
public class NodeUnavailableException extends ContainerRuntimeException {
  public NodeUnavailableException(String node, String resourceId, String message) {
    super(node, resourceId, message);
  }

  public NodeUnavailableException(String node, String resourceId, String message, Throwable cause) {
    super(node, resourceId, message, cause);
  }
}
