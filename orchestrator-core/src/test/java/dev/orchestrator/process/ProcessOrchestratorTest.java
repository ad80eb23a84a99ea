package dev.orchestrator.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.orchestrator.Orchestrator;
import dev.orchestrator.registry.Endpoint;
import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.OwnerLabels;
import dev.orchestrator.spec.HealthCheck;
import dev.orchestrator.spec.RestartPolicy;
import dev.orchestrator.spec.ServiceSpec;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The orchestrator over real local processes: readiness over TCP, healing, adoption by a new runtime. */
class ProcessOrchestratorTest {
  @TempDir Path stateDir;

  private ProcessRuntime runtime() {
    return ProcessRuntime.builder().nodeName("local").stateDirectory(stateDir)
        .image("tiny", TestPrograms.java(TinyServer.class)).build();
  }

  private static ServiceSpec tiny(int replicas) {
    return ServiceSpec.builder("tiny").image("tiny").port(7000).replicas(replicas)
        .readiness(HealthCheck.tcp(7000).withInterval(Duration.ofMillis(200)))
        .restartPolicy(RestartPolicy.dockerLike())
        .stopGracePeriod(Duration.ofSeconds(2))
        .build();
  }

  private static String call(Endpoint e) throws Exception {
    try (Socket s = new Socket(e.host(), e.port(null))) {
      s.setSoTimeout(2000);
      return new BufferedReader(new InputStreamReader(s.getInputStream(), StandardCharsets.UTF_8)).readLine();
    }
  }

  @Test
  void realProcessesBecomeReadyAreHealedAndAreAdoptedByALaterOrchestrator() throws Exception {
    List<String> before;
    try (ProcessRuntime runtime = runtime();
        Orchestrator first = Orchestrator.builder().instanceId("proc-test").node(runtime).keepOnClose(true).build()) {
      first.apply(tiny(2));
      first.awaitReady("tiny", Duration.ofSeconds(60));
      for (Endpoint e : first.registry().lookup("tiny").endpoints()) {
        assertThat(call(e)).isEqualTo("ok");
      }
      ContainerInfo victim = runtime.list(OwnerLabels.ofService("proc-test", "tiny")).get(0);
      runtime.stop(victim.id(), Duration.ZERO);
      await().atMost(Duration.ofSeconds(60)).until(() -> first.status("tiny").isReady()
          && runtime.list(OwnerLabels.ofService("proc-test", "tiny")).stream()
              .filter(c -> c.running() && !c.id().equals(victim.id())).count() == 2);
      before = runtime.list(OwnerLabels.ofService("proc-test", "tiny")).stream().filter(ContainerInfo::running)
          .map(ContainerInfo::id).sorted().toList();
      assertThat(before).hasSize(2);
    }
    try (ProcessRuntime runtime = runtime();
        Orchestrator second = Orchestrator.builder().instanceId("proc-test").node(runtime).build()) {
      second.apply(tiny(2));
      second.awaitReady("tiny", Duration.ofSeconds(60));
      List<String> after = runtime.list(OwnerLabels.ofService("proc-test", "tiny")).stream().map(ContainerInfo::id).sorted().toList();
      assertThat(after).as("the same processes, adopted, nothing recreated").isEqualTo(before);
      second.close();
      assertThat(runtime.list(OwnerLabels.ofInstance("proc-test"))).as("close removes what it owns").isEmpty();
    }
  }
}
