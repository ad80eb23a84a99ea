package dev.orchestrator.runtime;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A snapshot of one container as its runtime sees it.
 *
 * @param id runtime-assigned id
 * @param name the name it was created with
 * @param node the node it lives on
 * @param image the image it runs
 * @param labels its labels, ownership labels included
 * @param state created, running or exited
 * @param exitCode the exit code once exited, else -1
 * @param oomKilled whether it was killed for exceeding its memory limit
 * @param startedAt when it last started, or null
 * @param finishedAt when it last exited, or null
 * @param ports where its ports are reachable from the orchestrator's host
 * @param networks network name to the container's address on it (empty where the runtime has none)
 */
public record ContainerInfo(
    String id,
    String name,
    String node,
    String image,
    Map<String, String> labels,
    ContainerState state,
    int exitCode,
    boolean oomKilled,
    Instant startedAt,
    Instant finishedAt,
    List<PublishedPort> ports,
    Map<String, String> networks) {

  public ContainerInfo {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(state, "state");
    labels = Map.copyOf(labels);
    ports = List.copyOf(ports);
    networks = Map.copyOf(networks);
  }

  /** A container attached to no network the runtime reports. */
  public ContainerInfo(String id, String name, String node, String image, Map<String, String> labels, ContainerState state,
      int exitCode, boolean oomKilled, Instant startedAt, Instant finishedAt, List<PublishedPort> ports) {
    this(id, name, node, image, labels, state, exitCode, oomKilled, startedAt, finishedAt, ports, Map.of());
  }

  public boolean running() {
    return state == ContainerState.RUNNING;
  }

  /** Where a container port is published, if it is. */
  public Optional<PublishedPort> port(int containerPort) {
    return ports.stream().filter(p -> p.containerPort() == containerPort).findFirst();
  }

  public String label(String key) {
    return labels.get(key);
  }
}
