package dev.orchestrator.docker;

import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.OwnerLabels;
import dev.orchestrator.spec.PortSpec;
import dev.orchestrator.spec.ServiceSpec;
import java.time.Duration;
import java.util.Map;

/**
 * What this module's Docker tests share beyond {@link DockerTestEngine}: every container they
 * create carries {@link #TEST_LABEL} with this module's value.
 */
final class DockerTestSupport {
  /** Marks everything these tests create, so that cleanup touches nothing else. */
  static final String TEST_LABEL = DockerTestEngine.TEST_LABEL;
  static final String TEST_LABEL_VALUE = "orchestrator-docker";
  static final String MISSING_IMAGE = "dev.orchestrator/does-not-exist:1";

  private DockerTestSupport() {}

  /** Ownership labels of one test plus the test marker. */
  static Map<String, String> labels(String instance, String service) {
    return Map.of(OwnerLabels.INSTANCE, instance, OwnerLabels.SERVICE, service, TEST_LABEL, TEST_LABEL_VALUE);
  }

  /** BusyBox httpd on 8080 serving /etc (so /hostname answers 200), printing "started" first. */
  static ServiceSpec httpd(String name) {
    return ServiceSpec.builder(name)
        .image(DockerTestEngine.image())
        .command("sh", "-c", "echo started; exec httpd -f -p 8080 -h /etc")
        .port(PortSpec.tcp("http", 8080))
        .stopGracePeriod(Duration.ofSeconds(2))
        .build();
  }

  /** Runs a shell command, then exits by itself. */
  static ServiceSpec shell(String name, String script) {
    return ServiceSpec.builder(name).image(DockerTestEngine.image()).command("sh", "-c", script).build();
  }

  /** Removes every test container of an instance (ours only: selected by its labels). */
  static void removeAll(DockerRuntime runtime, String instance) {
    for (ContainerInfo c : runtime.list(Map.of(OwnerLabels.INSTANCE, instance, TEST_LABEL, TEST_LABEL_VALUE))) {
      runtime.remove(c.id());
    }
  }
}
