package dev.orchestrator.runtime;

/** Lifecycle state of a container. */
public enum ContainerState {
  /** Created, never started (or reset after a failed start). */
  CREATED,
  /** Its main process runs. */
  RUNNING,
  /** Its main process ended; exit code and OOM flag tell how. */
  EXITED
}
