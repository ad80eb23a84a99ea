package dev.orchestrator.runtime;

import java.time.Instant;
import java.util.Map;
import java.util.Objects;

/**
 * Something happened to a container or node. Events are hints that wake the reconciler; the
 * state it acts on is always re-read from the runtime.
 *
 * @param type what happened
 * @param node the node it happened on
 * @param containerId the container, or empty for node events
 * @param labels the container's labels (empty for node events)
 * @param exitCode for DIED: the exit code, else -1
 * @param time when the runtime saw it
 */
public record RuntimeEvent(Type type, String node, String containerId, Map<String, String> labels, int exitCode, Instant time) {
  /** Kinds of runtime events. */
  public enum Type {
    CREATED,
    STARTED,
    DIED,
    OOM_KILLED,
    REMOVED,
    NODE_UNAVAILABLE,
    NODE_AVAILABLE
  }

  public RuntimeEvent {
    Objects.requireNonNull(type, "type");
    containerId = containerId == null ? "" : containerId;
    labels = Map.copyOf(labels == null ? Map.of() : labels);
  }
}
