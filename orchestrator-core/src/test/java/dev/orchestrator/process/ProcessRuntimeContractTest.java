package dev.orchestrator.process;

import dev.orchestrator.runtime.ContainerRuntime;
import dev.orchestrator.runtime.ContainerRuntimeContract;
import dev.orchestrator.spec.ServiceSpec;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.io.TempDir;

/** The runtime contract against real local processes: a tiny JVM server and {@code /bin/sh} scripts. */
class ProcessRuntimeContractTest extends ContainerRuntimeContract {
  @TempDir Path stateDir;

  @Override
  protected ContainerRuntime runtime() {
    return ProcessRuntime.builder()
        .nodeName("contract")
        .stateDirectory(stateDir)
        .image("tiny-server", TestPrograms.java(TinyServer.class))
        .image("sh", TestPrograms.shell())
        .build();
  }

  @Override
  protected ServiceSpec longRunning(String name) {
    return ServiceSpec.builder(name).image("tiny-server").port(8080).build();
  }

  @Override
  protected ServiceSpec exitsWith(String name, int exitCode) {
    return ServiceSpec.builder(name).image("sh").command("echo started; exit " + exitCode).build();
  }

  @Override
  protected List<String> execCommand(String stdout, int exitCode) {
    return List.of("/bin/sh", "-c", "printf '%s\\n' \"$1\"; exit " + exitCode, "sh", stdout);
  }

  @Override
  protected String missingImage() {
    return "no-such-image";
  }
}
