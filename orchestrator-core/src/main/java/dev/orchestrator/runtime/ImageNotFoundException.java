package dev.orchestrator.runtime;

/** The image is not on the node and cannot be pulled. */
public class ImageNotFoundException extends ContainerRuntimeException {
  public ImageNotFoundException(String node, String resourceId, String message) {
    super(node, resourceId, message);
  }

  public ImageNotFoundException(String node, String resourceId, String message, Throwable cause) {
    super(node, resourceId, message, cause);
  }
}
