package dev.orchestrator.docker;

import dev.orchestrator.runtime.ContainerRuntime;
import dev.orchestrator.runtime.ContainerRuntimeContract;
import dev.orchestrator.spec.ServiceSpec;
import java.util.List;

/** The runtime compatibility kit against the real Docker Engine, with BusyBox containers. */
class DockerRuntimeContractTest extends ContainerRuntimeContract {

  @Override
  protected ContainerRuntime runtime() {
    DockerTestEngine.image();
    return DockerTestEngine.runtimeBuilder().build();
  }

  @Override
  protected ServiceSpec longRunning(String name) {
    return DockerTestSupport.httpd(name);
  }

  @Override
  protected ServiceSpec exitsWith(String name, int exitCode) {
    return DockerTestSupport.shell(name, "echo started; exit " + exitCode);
  }

  @Override
  protected List<String> execCommand(String stdout, int exitCode) {
    return List.of("sh", "-c", "echo " + stdout + "; exit " + exitCode);
  }

  @Override
  protected String missingImage() {
    return DockerTestSupport.MISSING_IMAGE;
  }
}
