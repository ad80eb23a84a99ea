package dev.orchestrator.examples;

import dev.orchestrator.Orchestrator;
import dev.orchestrator.docker.DockerRuntime;
import dev.orchestrator.registry.Endpoint;
import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.OwnerLabels;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.UUID;

/**
 * Runs each replica as a Docker container on the local engine. The image {@value #IMAGE} is built
 * locally (no registry needed) from the host's static BusyBox: {@code httpd} serves
 * {@code /health}, and {@code /pid}, which holds the container's hostname.
 */
public final class DockerBackend implements ExampleBackend {
  static final String BASE_IMAGE = "orchestrator-examples/busybox:1";
  private static final String WORKER_CMD = "mkdir -p /www && hostname > /www/pid && echo ok > /www/health"
      + " && echo \"$(hostname): hello from a container\" > /www/index.html && exec httpd -f -p 8080 -h /www";

  private final DockerRuntime node;
  private final DockerRuntime observer;
  private final String instanceId = "quickstart-" + UUID.randomUUID().toString().substring(0, 8);

  private DockerBackend(DockerRuntime node, DockerRuntime observer) {
    this.node = node;
    this.observer = observer;
  }

  /**
   * Connects to the engine of {@code DOCKER_HOST} (or the local socket) and builds the worker
   * image; empty when no engine answers within two seconds or BusyBox is not installed.
   */
  public static Optional<DockerBackend> connect() {
    if (!Files.isRegularFile(Path.of("/bin/busybox"))) {
      return Optional.empty();
    }
    DockerRuntime node = DockerRuntime.builder().connectTimeout(Duration.ofSeconds(2)).build();
    try {
      node.node();
    } catch (RuntimeException noEngine) {
      node.close();
      return Optional.empty();
    }
    node.images().busybox(BASE_IMAGE);
    if (!node.images().exists(IMAGE)) {
      String dockerfile = "FROM " + BASE_IMAGE + "\nCMD [\"sh\", \"-c\", \"" + WORKER_CMD.replace("\"", "\\\"") + "\"]\n";
      node.images().build(IMAGE, Map.of("Dockerfile", dockerfile.getBytes(StandardCharsets.UTF_8)),
          Map.of("dev.orchestrator.example", "quickstart"));
    }
    return Optional.of(new DockerBackend(node, DockerRuntime.builder().build()));
  }

  @Override
  public String description() {
    return "Docker Engine " + node.node().name() + " (containers of image " + IMAGE + ")";
  }

  @Override
  public Orchestrator.Builder configure(Orchestrator.Builder builder) {
    return builder.instanceId(instanceId).node(node);
  }

  /** Kills the container with SIGKILL through a separate connection, as {@code docker kill} would. */
  @Override
  public void crash(Endpoint endpoint, String hostname) {
    String container = endpoint.metadata().get("container");
    observer.stop(container, Duration.ZERO);
  }

  @Override
  public boolean stillRunning(String hostname) {
    return observer.list(OwnerLabels.ofInstance(instanceId)).stream()
        .filter(ContainerInfo::running).anyMatch(c -> c.id().startsWith(hostname));
  }

  @Override
  public void close() {
    node.close();
    observer.close();
  }
}
