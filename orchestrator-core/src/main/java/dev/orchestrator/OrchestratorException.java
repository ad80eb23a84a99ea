package dev.orchestrator;

/**
 * Root of every exception the library throws. Unchecked: callers catch the subclasses they
 * can act on ({@code ValidationException}, {@code SchedulingException}, {@code ContainerRuntimeException}).
 */
public class OrchestratorException extends RuntimeException {
  public OrchestratorException(String message) {
    super(message);
  }

  public OrchestratorException(String message, Throwable cause) {
    super(message, cause);
  }
}
