package dev.orchestrator.runtime;

/** A runtime call did not finish within its timeout; it may still take effect. */
public class RuntimeTimeoutException extends ContainerRuntimeException {
  public RuntimeTimeoutException(String node, String resourceId, String message) {
    super(node, resourceId, message);
  }

  public RuntimeTimeoutException(String node, String resourceId, String message, Throwable cause) {
    super(node, resourceId, message, cause);
  }
}
