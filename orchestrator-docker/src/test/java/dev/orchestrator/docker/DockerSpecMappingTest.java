package dev.orchestrator.docker;

import static dev.orchestrator.docker.DockerTestEngine.docker;
import static dev.orchestrator.docker.DockerTestEngine.image;
import static dev.orchestrator.docker.DockerTestSupport.labels;
import static dev.orchestrator.docker.DockerTestSupport.shell;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.ContainerRequest;
import dev.orchestrator.runtime.ContainerState;
import dev.orchestrator.runtime.ContainerStats;
import dev.orchestrator.runtime.ExecResult;
import dev.orchestrator.spec.ContainerOptions;
import dev.orchestrator.spec.MountSpec;
import dev.orchestrator.spec.Resources;
import dev.orchestrator.spec.ServiceSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** How a spec becomes a Docker container: settings, mounts, limits, the customizer; stats and long stops. */
class DockerSpecMappingTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  private final String instance = "docker-mapping-" + DockerTestEngine.randomId();
  private final String volume = instance + "-data";
  private DockerRuntime runtime;

  @BeforeEach
  void openRuntime() {
    image();
    runtime = DockerTestEngine.runtimeBuilder()
        .createCustomizer(cmd -> cmd.withHostName("customized"))
        .build();
  }

  @AfterEach
  void cleanUp() {
    try {
      DockerTestSupport.removeAll(runtime, instance);
      if (!docker("volume", "ls", "-q", "--filter", "name=" + volume).isEmpty()) {
        docker("volume", "rm", volume);
      }
    } finally {
      runtime.close();
    }
  }

  private String run(String name, ServiceSpec spec, Map<String, String> volumes) {
    String id = runtime.create(new ContainerRequest(instance + "-" + name, spec, labels(instance, spec.name()), volumes));
    runtime.start(id);
    await().atMost(WAIT).until(() -> runtime.inspect(id).map(ContainerInfo::running).orElse(false));
    return id;
  }

  @Test
  void container_options_reach_the_container() {
    ServiceSpec spec = shell("hardened", "exec sleep 600").toBuilder()
        .options(ContainerOptions.defaults().withUser("1000:1000").withPidsLimit(64).withStopSignal("SIGINT")
            .withReadOnlyRootFilesystem(true).withCapabilities(List.of("ALL"), List.of("NET_BIND_SERVICE"))
            .withLogging("json-file", Map.of("max-size", "1m")))
        .build();
    String id = run("hardened", spec, Map.of());

    assertThat(exec(id, "id -u; id -g")).containsExactly("1000", "1000");
    assertThat(exec(id, "touch /x 2>/dev/null && echo writable || echo read-only")).containsExactly("read-only");
    String inspected = docker("inspect", "--format",
        "{{.HostConfig.PidsLimit}} {{.Config.StopSignal}} {{.HostConfig.CapDrop}} {{.HostConfig.CapAdd}} "
            + "{{.HostConfig.LogConfig.Type}} {{index .HostConfig.LogConfig.Config \"max-size\"}} {{.HostConfig.Privileged}} "
            + "{{.HostConfig.SecurityOpt}}", id).strip();
    assertThat(inspected).isEqualTo("64 SIGINT [ALL] [NET_BIND_SERVICE] json-file 1m false [no-new-privileges]");
  }

  @Test
  void every_spec_setting_reaches_the_container(@TempDir Path hostDir) throws IOException {
    Files.writeString(hostDir.resolve("greeting"), "hello from the host");
    ServiceSpec spec = shell("web", "exec sleep 600").toBuilder()
        .env("GREETING", "hi")
        .workingDir("/tmp")
        .resources(Resources.requests(100, 16 * Resources.MIB).withLimits(500, 64 * Resources.MIB))
        .stopGracePeriod(Duration.ofSeconds(7))
        .mount(MountSpec.tmpfs("/scratch"))
        .mount(MountSpec.bind(hostDir.toString(), "/host").asReadOnly())
        .mount(MountSpec.volume("data", "/data"))
        .build();
    String id = run("web", spec, Map.of("/data", volume));

    assertThat(exec(id, "echo $GREETING; pwd; hostname")).containsExactly("hi", "/tmp", "customized");
    assertThat(exec(id, "cat /host/greeting")).containsExactly("hello from the host");
    assertThat(exec(id, "touch /host/x 2>/dev/null && echo writable || echo read-only")).containsExactly("read-only");
    assertThat(exec(id, "grep -c ' /scratch tmpfs ' /proc/mounts")).containsExactly("1");
    assertThat(exec(id, "echo kept > /data/file && cat /data/file")).containsExactly("kept");
    assertThat(docker("volume", "inspect", "--format", "{{.Name}}", volume)).isEqualTo(volume);
    assertThat(docker("inspect", "--format", String.join("|",
        "{{.HostConfig.NanoCpus}}", "{{.HostConfig.Memory}}", "{{.HostConfig.MemorySwap}}",
        "{{.HostConfig.MemoryReservation}}", "{{.HostConfig.Init}}", "{{.HostConfig.SecurityOpt}}",
        "{{.Config.StopTimeout}}"), id))
        .isEqualTo(String.join("|", "500000000", "67108864", "67108864", "16777216", "true",
            "[no-new-privileges]", "7"));
    // the engine's "no" restart policy: an empty name, as docker-java sends it
    assertThat(docker("inspect", "--format", "{{.HostConfig.RestartPolicy.Name}}", id)).isIn("", "no");
  }

  @Test
  void stats_report_the_cpu_of_a_busy_container_within_its_limit_and_its_memory() {
    ServiceSpec busy = shell("busy", "while :; do :; done").toBuilder()
        .resources(Resources.NONE.withLimits(300, 0)).build();
    String id = run("busy", busy, Map.of());

    await().atMost(WAIT).untilAsserted(() -> {
      ContainerStats stats = runtime.stats(id);
      assertThat(stats.cpuMillis()).isBetween(100L, 450L);
      assertThat(stats.memoryBytes()).isPositive();
      assertThat(stats.cpuTotalNanos()).isPositive();
    });
  }

  @Test
  void a_grace_period_longer_than_the_response_timeout_still_ends_in_a_kill_after_the_grace() {
    runtime.close();
    runtime = DockerTestEngine.runtimeBuilder().responseTimeout(Duration.ofSeconds(2)).build();
    String id = run("stubborn", shell("stubborn", "trap 'echo ignoring TERM' TERM; while :; do sleep 1; done"), Map.of());

    long start = System.nanoTime();
    runtime.stop(id, Duration.ofSeconds(3));
    Duration took = Duration.ofNanos(System.nanoTime() - start);

    assertThat(took).isBetween(Duration.ofMillis(2900), Duration.ofSeconds(15));
    await().atMost(WAIT).untilAsserted(() -> assertThat(runtime.inspect(id).orElseThrow())
        .extracting(ContainerInfo::state, ContainerInfo::exitCode).containsExactly(ContainerState.EXITED, 137));
    assertThat(runtime.logs(id, 10)).contains("ignoring TERM");
  }

  @Test
  void exec_captures_stderr_apart_from_stdout() {
    String id = run("web", shell("web", "exec sleep 600"), Map.of());

    ExecResult result = runtime.exec(id, List.of("sh", "-c", "echo out; echo err >&2; exit 3"), Duration.ofSeconds(10));

    assertThat(result.exitCode()).isEqualTo(3);
    assertThat(result.stdout()).isEqualTo("out\n");
    assertThat(result.stderr()).isEqualTo("err\n");
  }

  private List<String> exec(String id, String script) {
    ExecResult r = runtime.exec(id, List.of("sh", "-c", script), Duration.ofSeconds(10));
    assertThat(r.exitCode()).as("%s: %s", script, r.stderr()).isZero();
    return r.stdout().lines().toList();
  }
}
