package dev.orchestrator.storage.docker;

import dev.orchestrator.docker.DockerTestEngine;

/**
 * The marker of everything the storage tests create directly; the engine, the BusyBox image and
 * the docker CLI come from {@link DockerTestEngine}.
 */
final class StorageTestSupport {
  static final String TEST_LABEL = DockerTestEngine.TEST_LABEL;
  static final String TEST_LABEL_VALUE = "orchestrator-storage";

  private StorageTestSupport() {}
}
