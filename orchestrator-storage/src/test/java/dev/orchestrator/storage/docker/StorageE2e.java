package dev.orchestrator.storage.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestrator.Orchestrator;
import dev.orchestrator.ReplicaState;
import dev.orchestrator.ReplicaStatus;
import dev.orchestrator.docker.DockerRuntime;
import dev.orchestrator.docker.DockerTestEngine;
import dev.orchestrator.event.OrchestratorEvent;
import dev.orchestrator.runtime.ExecResult;
import dev.orchestrator.runtime.OwnerLabels;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * One orchestrator over the real engine with a {@link DockerVolumeProvider}, for the end-to-end
 * storage tests: a unique instance id, events recorded, and {@link #close()} removing whatever the
 * test left (containers, then every volume carrying the instance label, retained ones included).
 */
final class StorageE2e implements AutoCloseable {
  static final Duration READY = Duration.ofSeconds(30);
  final String instance;
  final DockerRuntime node;
  final DockerVolumeProvider volumes;
  final List<OrchestratorEvent> events = new CopyOnWriteArrayList<>();
  Orchestrator orchestrator;

  StorageE2e() {
    this("storage-" + DockerTestEngine.randomId());
  }

  StorageE2e(String instance) {
    DockerTestEngine.image();
    this.instance = instance;
    this.node = DockerTestEngine.runtimeBuilder().instanceId(instance).build();
    this.volumes = new DockerVolumeProvider(node);
    this.orchestrator = builder().build();
  }

  Orchestrator.Builder builder() {
    return Orchestrator.builder().instanceId(instance).node(node).volumeProvider(volumes)
        .callTimeout(Duration.ofSeconds(15)).resyncInterval(Duration.ofSeconds(2)).eventListener(events::add);
  }

  /** The running container of a slot, once the service is ready. */
  String container(String service, int slot) {
    return orchestrator.status(service).replicas().stream()
        .filter(r -> r.slot() == slot && r.state() == ReplicaState.READY).map(ReplicaStatus::containerId)
        .findFirst().orElseThrow(() -> new AssertionError("no ready replica " + service + "-" + slot + ": "
            + orchestrator.status(service)));
  }

  Optional<String> readyContainer(String service, int slot) {
    return orchestrator.status(service).replicas().stream()
        .filter(r -> r.slot() == slot && r.state() == ReplicaState.READY).map(ReplicaStatus::containerId).findFirst();
  }

  /** Runs {@code sh -c script} in a container. */
  ExecResult exec(String container, String script) {
    return node.exec(container, List.of("sh", "-c", script), Duration.ofSeconds(15));
  }

  String output(String container, String script) {
    ExecResult r = exec(container, script);
    assertThat(r.exitCode()).as("%s: %s", script, r.stderr()).isZero();
    return r.stdout().strip();
  }

  <T extends OrchestratorEvent> List<T> events(Class<T> type) {
    return events.stream().filter(type::isInstance).map(type::cast).toList();
  }

  /** Removes every volume the instance owns (what a test must leave behind: nothing). */
  void removeVolumes() {
    String out = DockerTestEngine.docker("volume", "ls", "-q", "--filter", "label=" + OwnerLabels.INSTANCE + "=" + instance);
    for (String v : out.lines().filter(l -> !l.isBlank()).toList()) {
      DockerTestEngine.tryDocker("volume", "rm", "-f", v);
    }
  }

  @Override
  public void close() {
    try {
      if (orchestrator != null) {
        orchestrator.close();
      }
    } finally {
      String left = DockerTestEngine.docker("ps", "-aq", "--filter", "label=" + OwnerLabels.INSTANCE + "=" + instance);
      for (String id : left.lines().filter(l -> !l.isBlank()).toList()) {
        DockerTestEngine.tryDocker("rm", "-f", id);
      }
      removeVolumes();
      node.close();
    }
  }
}
