package dev.orchestrator.examples;

import dev.orchestrator.Orchestrator;
import dev.orchestrator.registry.Endpoint;

/**
 * Where the examples run their replicas: adds nodes that know the image {@value #IMAGE} (an
 * {@link HttpWorker}) to an orchestrator, and can crash a replica the way a real failure would.
 * {@link ProcessBackend} runs replicas as local processes, {@link DockerBackend} as containers.
 */
public interface ExampleBackend extends AutoCloseable {
  /** The image name under which every backend runs {@link HttpWorker}. */
  String IMAGE = "http-worker";

  /** One line for the output, e.g. "local processes". */
  String description();

  /** Adds this backend's nodes to the builder. */
  Orchestrator.Builder configure(Orchestrator.Builder builder);

  /** Kills the replica behind {@code endpoint}, whose worker reported {@code worker}, without asking the orchestrator. */
  void crash(Endpoint endpoint, String worker);

  /** Whether the worker that reported {@code worker} still runs (after waiting a little for it to go). */
  boolean stillRunning(String worker);

  /** Releases what the backend itself created; call after closing the orchestrator. */
  @Override
  void close();
}
