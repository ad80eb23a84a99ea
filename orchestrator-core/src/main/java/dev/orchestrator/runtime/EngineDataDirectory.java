package dev.orchestrator.runtime;

/**
 * A capability of a {@link ContainerRuntime} whose engine keeps its state in a host directory
 * (Docker's {@code DockerRootDir}). Bind mounts of that directory, of anything under it or of an
 * ancestor are refused unless the orchestrator's builder allows root mounts.
 */
public interface EngineDataDirectory {

  /** The absolute host path of the engine's data directory, as the engine reports it. */
  String engineDataDirectory();
}
