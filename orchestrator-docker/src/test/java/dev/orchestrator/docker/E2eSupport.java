package dev.orchestrator.docker;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestrator.event.OrchestratorEvent;
import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.OwnerLabels;
import dev.orchestrator.spec.HealthCheck;
import dev.orchestrator.spec.PortSpec;
import dev.orchestrator.spec.RestartPolicy;
import dev.orchestrator.spec.ServiceSpec;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * Helpers of the end-to-end tests that drive a whole {@link dev.orchestrator.Orchestrator} over the
 * real engine. Every service they declare carries {@link #LABEL}, so the orchestrator's containers
 * are marked as test containers too; cleanup selects by instance label.
 */
final class E2eSupport {
  /** Marks the services these tests declare (user labels may not use the reserved dev.orchestrator. prefix). */
  static final String LABEL = "orchestrator-e2e";
  static final String LABEL_VALUE = "true";
  private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();

  private E2eSupport() {}

  /** A fresh instance id: "e2e-" plus random hex, unique per test. */
  static String instanceId() {
    return "e2e-" + DockerTestEngine.randomId();
  }

  /**
   * BusyBox httpd on 8080 serving /etc, ready when GET /hostname answers (probed every 500 ms),
   * restarted quickly after failures.
   */
  static ServiceSpec web(String image, int replicas) {
    return ServiceSpec.builder("web")
        .image(image)
        .command("httpd", "-f", "-p", "8080", "-h", "/etc")
        .port(PortSpec.tcp("http", 8080))
        .replicas(replicas)
        .readiness(HealthCheck.http(8080, "/hostname").withInterval(Duration.ofMillis(500)))
        .restartPolicy(RestartPolicy.defaults().withBackoff(Duration.ofMillis(200), Duration.ofSeconds(2), 2.0))
        .stopGracePeriod(Duration.ofSeconds(1))
        .label(LABEL, LABEL_VALUE)
        .build();
  }

  /** The status code of a GET, bounded by timeouts. */
  static int get(String host, int port, String path) {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + path))
        .timeout(Duration.ofSeconds(3)).GET().build();
    try {
      return HTTP.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
    } catch (IOException e) {
      throw new AssertionError("GET http://" + host + ":" + port + path + " failed: " + e, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  /** Every container of the instance, exited ones included. */
  static List<ContainerInfo> owned(DockerRuntime runtime, String instance) {
    return runtime.list(OwnerLabels.ofInstance(instance));
  }

  /** Every container of one service of the instance. */
  static List<ContainerInfo> owned(DockerRuntime runtime, String instance, String service) {
    return runtime.list(Map.of(OwnerLabels.INSTANCE, instance, OwnerLabels.SERVICE, service));
  }

  /** Removes whatever the instance left behind (selected by its instance label only). */
  static void removeOwned(DockerRuntime runtime, String instance) {
    for (ContainerInfo c : owned(runtime, instance)) {
      runtime.remove(c.id());
    }
    assertThat(owned(runtime, instance)).as("containers of %s after cleanup", instance).isEmpty();
  }

  /** Collects every event of an orchestrator. */
  static final class Events {
    final List<OrchestratorEvent> all = new CopyOnWriteArrayList<>();

    void add(OrchestratorEvent e) {
      all.add(e);
    }

    <T extends OrchestratorEvent> List<T> of(Class<T> type) {
      return all.stream().filter(type::isInstance).map(type::cast).toList();
    }
  }
}
