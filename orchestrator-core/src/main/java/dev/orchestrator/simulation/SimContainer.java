package dev.orchestrator.simulation;

import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.ContainerState;
import dev.orchestrator.runtime.PublishedPort;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/** Mutable state of one simulated container. Guarded by the cluster's lock. */
final class SimContainer {
  final String id;
  final String name;
  final String node;
  final String image;
  final Map<String, String> labels;
  final List<PublishedPort> ports;
  final SimulatedImage behaviour;
  final List<String> logs = new ArrayList<>();
  ContainerState state = ContainerState.CREATED;
  int exitCode = -1;
  boolean oomKilled;
  Instant startedAt;
  Instant finishedAt;
  boolean live = true;
  boolean ready = true;
  long cpuMillis;
  long memoryBytes;

  SimContainer(String id, String name, String node, String image, Map<String, String> labels, List<PublishedPort> ports, SimulatedImage behaviour) {
    this.id = id;
    this.name = name;
    this.node = node;
    this.image = image;
    this.labels = Map.copyOf(labels);
    this.ports = List.copyOf(ports);
    this.behaviour = behaviour;
  }

  /** The last snapshot {@link #info()} made; reused while the state it shows is current. */
  private ContainerInfo snapshot;

  /** An immutable snapshot of the container, the same object until its state changes. */
  ContainerInfo info() {
    ContainerInfo s = snapshot;
    if (s == null || s.state() != state || s.exitCode() != exitCode || s.oomKilled() != oomKilled
        || !Objects.equals(s.startedAt(), startedAt) || !Objects.equals(s.finishedAt(), finishedAt)) {
      s = new ContainerInfo(id, name, node, image, labels, state, exitCode, oomKilled, startedAt, finishedAt, ports);
      snapshot = s;
    }
    return s;
  }

  boolean running() {
    return state == ContainerState.RUNNING;
  }
}
