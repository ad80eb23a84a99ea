package dev.orchestrator.simulation;

import dev.orchestrator.runtime.ContainerRuntime;
import dev.orchestrator.runtime.ContainerRuntimeContract;
import dev.orchestrator.spec.ServiceSpec;
import dev.orchestrator.time.ManualClock;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;

/** The simulator passes the same runtime contract as real engines, on a manual clock. */
class SimulatedRuntimeContractTest extends ContainerRuntimeContract {
  private final ManualClock clock = new ManualClock();
  private SimulatedCluster cluster;

  @Override
  protected ContainerRuntime runtime() {
    SimulatedCluster.Builder b = SimulatedCluster.builder().clock(clock).node("sim-1", 4000, 1L << 33)
        .onlyRegisteredImages().image("server", SimulatedImage.service());
    for (int code = 0; code < 256; code++) {
      b.image("exit-" + code, SimulatedImage.exitsAfter(Duration.ofMillis(200), code));
    }
    cluster = b.build();
    return cluster.node("sim-1");
  }

  @Override
  protected ServiceSpec longRunning(String name) {
    return ServiceSpec.builder(name).image("server").port(8080).build();
  }

  @Override
  protected ServiceSpec exitsWith(String name, int exitCode) {
    return ServiceSpec.builder(name).image("exit-" + exitCode).build();
  }

  @Override
  protected List<String> execCommand(String stdout, int exitCode) {
    return List.of("sh", "-c", "echo " + stdout + "; exit " + exitCode);
  }

  @Override
  protected String missingImage() {
    return "missing:1";
  }

  @Override
  protected void letTimePass(Duration step) {
    clock.advance(step);
  }

  @AfterEach
  void closeCluster() {
    if (cluster != null) {
      cluster.close();
    }
  }
}
