package dev.orchestrator.network.docker;

import dev.orchestrator.docker.DockerTestEngine;

/**
 * The marker of the containers and networks these tests create directly; the engine, the BusyBox
 * image and the docker CLI come from {@link DockerTestEngine}.
 */
final class NetworkTestSupport {
  static final String TEST_LABEL = DockerTestEngine.TEST_LABEL;
  static final String TEST_LABEL_VALUE = "orchestrator-network";

  private NetworkTestSupport() {}
}
