package dev.orchestrator.storage.docker;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.MountType;
import dev.orchestrator.OrchestratorException;
import dev.orchestrator.docker.DockerRuntime;
import dev.orchestrator.runtime.RuntimeTimeoutException;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A short-lived container that mounts one volume at {@link #MOUNT}, without network, labelled as
 * the orchestrator's helper; {@link #close()} removes it whatever happened. Used by one thread.
 */
final class HelperContainer implements AutoCloseable {
  static final String MOUNT = "/volume";
  private static final Logger log = LoggerFactory.getLogger(HelperContainer.class);
  private final DockerRuntime runtime;
  private final String node;
  private final String id;

  private HelperContainer(DockerRuntime runtime, String node, String id) {
    this.runtime = runtime;
    this.node = node;
    this.id = id;
  }

  /** Creates (does not start) a helper running {@code script} with {@code sh -c}. */
  static HelperContainer create(DockerRuntime runtime, String node, String image, String name, Map<String, String> labels,
      String volume, boolean readOnly, String script) {
    HostConfig host = HostConfig.newHostConfig()
        .withNetworkMode("none")
        .withSecurityOpts(List.of("no-new-privileges"))
        .withMounts(List.of(new Mount().withType(MountType.VOLUME).withSource(volume).withTarget(MOUNT).withReadOnly(readOnly)));
    String id = runtime.call("create of volume helper " + name, name, c -> c.createContainerCmd(image)
        .withName(name).withLabels(labels).withCmd("sh", "-c", script).withHostConfig(host).exec().getId());
    return new HelperContainer(runtime, node, id);
  }

  String id() {
    return id;
  }

  /** Starts the helper and waits until it exits with status 0, at most {@code timeout}. */
  void runToCompletion(Duration timeout, String what) {
    runtime.call("start of volume helper " + id, id, c -> {
      c.startContainerCmd(id).exec();
      return null;
    });
    Instant deadline = Instant.now().plus(timeout);
    while (true) {
      InspectContainerResponse.ContainerState state = runtime.call("inspect of volume helper " + id, id,
          c -> c.inspectContainerCmd(id).exec().getState());
      if (!Boolean.TRUE.equals(state.getRunning())) {
        Long exit = state.getExitCodeLong();
        if (exit == null || exit != 0) {
          throw new OrchestratorException(what + " failed in helper container " + id + " (exit " + exit + "): "
              + String.join(" | ", runtime.logs(id, 5)));
        }
        return;
      }
      if (Instant.now().isAfter(deadline)) {
        throw new RuntimeTimeoutException(node, id, what + " did not finish within " + timeout.toMillis() + " ms");
      }
      try {
        Thread.sleep(100);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new OrchestratorException(what + " interrupted", e);
      }
    }
  }

  /** Removes the helper, forcing, whatever state it is in; a failure is logged, never thrown. */
  @Override
  public void close() {
    try {
      runtime.call("remove of volume helper " + id, id, c -> {
        try {
          c.removeContainerCmd(id).withForce(true).exec();
        } catch (NotFoundException e) {
          // already gone
        }
        return null;
      });
    } catch (RuntimeException e) {
      log.warn("volume helper container {} not removed: {}", id, e.getMessage());
    }
  }
}
