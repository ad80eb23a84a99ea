package dev.orchestrator.process;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.ContainerRequest;
import dev.orchestrator.runtime.ContainerRuntimeException;
import dev.orchestrator.runtime.ContainerState;
import dev.orchestrator.runtime.ContainerConflictException;
import dev.orchestrator.runtime.ImageNotFoundException;
import dev.orchestrator.runtime.RuntimeEvent;
import dev.orchestrator.runtime.RuntimeTimeoutException;
import dev.orchestrator.spec.PortSpec;
import dev.orchestrator.spec.ServiceSpec;
import java.io.IOException;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ProcessRuntimeTest {
  private static final Duration TIMEOUT = Duration.ofSeconds(20);

  @TempDir Path stateDir;
  private final List<ProcessRuntime> runtimes = new ArrayList<>();
  private final List<Long> extraPids = new CopyOnWriteArrayList<>();

  @AfterEach
  void killEverything() {
    for (int i = runtimes.size() - 1; i >= 0; i--) {
      ProcessRuntime runtime = runtimes.get(i);
      for (ContainerInfo c : runtime.list(Map.of())) {
        try {
          runtime.remove(c.id());
        } catch (RuntimeException e) {
          System.err.println("could not remove " + c.id() + ": " + e);
        }
      }
      runtime.close();
    }
    extraPids.forEach(pid -> ProcessHandle.of(pid).ifPresent(ProcessHandle::destroyForcibly));
  }

  @Test
  void stop_terminates_the_whole_process_tree_and_leaves_no_orphan() {
    ProcessRuntime runtime = runtime();
    String id = startShell(runtime, "tree", "sleep 1000 & sleep 1000 & wait");
    List<ProcessHandle> tree = awaitDescendants(id, 2);

    runtime.stop(id, Duration.ofSeconds(5));

    assertThat(tree).noneMatch(ProcessTree::alive);
    assertThat(runtime.inspect(id).orElseThrow().state()).isEqualTo(ContainerState.EXITED);
  }

  @Test
  void stop_kills_a_tree_that_ignores_sigterm_once_the_grace_period_is_over() {
    ProcessRuntime runtime = runtime();
    String id = startShell(runtime, "stubborn", "trap '' TERM; sleep 1000 & sleep 1000 & wait");
    List<ProcessHandle> tree = awaitDescendants(id, 2);

    runtime.stop(id, Duration.ofMillis(300));

    assertThat(tree).noneMatch(ProcessTree::alive);
    assertThat(runtime.inspect(id).orElseThrow().exitCode()).isEqualTo(137);
  }

  @Test
  void the_process_gets_port_variables_its_name_and_spec_env_and_exec_shares_them() throws IOException {
    ProcessRuntime runtime = runtime();
    int fixedPort = freePort();
    ServiceSpec spec = ServiceSpec.builder("env")
        .image("sh")
        .command("echo PORT=$PORT; echo WEB=$PORT_WEB_UI; echo ADMIN=$PORT_ADMIN; echo NAME=$ORCHESTRATOR_CONTAINER_NAME; echo GREETING=$GREETING; exec sleep 1000")
        .port(PortSpec.tcp("web-ui", 8080))
        .port(PortSpec.tcp("admin", 9090).withHostPort(fixedPort))
        .env("GREETING", "hello")
        .build();
    String id = runtime.create(new ContainerRequest("env-1", spec, Map.of(), Map.of()));
    runtime.start(id);
    int webPort = runtime.inspect(id).orElseThrow().port(8080).orElseThrow().hostPort();

    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(runtime.logs(id, 10)).containsExactly(
        "PORT=" + webPort, "WEB=" + webPort, "ADMIN=" + fixedPort, "NAME=env-1", "GREETING=hello"));
    assertThat(webPort).isPositive().isNotEqualTo(fixedPort);
    assertThat(runtime.exec(id, List.of("/bin/sh", "-c", "echo $GREETING $PORT_ADMIN; pwd"), TIMEOUT).stdout())
        .isEqualTo("hello " + fixedPort + "\n" + stateDir.resolve("containers").resolve(id).resolve("work").toRealPath() + "\n");
  }

  @Test
  void logs_hold_stdout_and_stderr_and_tail_returns_the_last_lines() {
    ProcessRuntime runtime = runtime();
    String id = startShell(runtime, "chatty", "for i in 1 2 3 4 5; do echo out$i; done; echo err >&2");
    awaitExited(runtime, id);

    assertThat(runtime.logs(id, 2)).containsExactly("out5", "err");
    assertThat(runtime.logs(id, 100)).containsExactly("out1", "out2", "out3", "out4", "out5", "err");
    assertThat(runtime.logs(id, 0)).isEmpty();
  }

  @Test
  void an_exit_is_detected_with_its_code_and_published_as_died() {
    ProcessRuntime runtime = runtime();
    List<RuntimeEvent> events = new CopyOnWriteArrayList<>();
    runtime.subscribe(events::add);

    String id = startShell(runtime, "fails", "exit 42");

    awaitExited(runtime, id);
    assertThat(runtime.inspect(id).orElseThrow().exitCode()).isEqualTo(42);
    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(events).extracting(RuntimeEvent::type)
        .containsExactly(RuntimeEvent.Type.CREATED, RuntimeEvent.Type.STARTED, RuntimeEvent.Type.DIED));
    assertThat(events.get(2).exitCode()).isEqualTo(42);
  }

  @Test
  void a_second_runtime_on_the_same_state_directory_re_adopts_running_and_exited_containers() throws IOException {
    ProcessRuntime first = runtime();
    String running = startShell(first, "sleeper", "exec sleep 1000");
    String exited = startShell(first, "done", "exit 5");
    awaitExited(first, exited);
    ContainerInfo before = first.inspect(running).orElseThrow();
    closeEarly(first);

    ProcessRuntime second = runtime();
    List<RuntimeEvent> events = new CopyOnWriteArrayList<>();
    second.subscribe(events::add);

    ContainerInfo adopted = second.inspect(running).orElseThrow();
    assertThat(adopted.state()).isEqualTo(ContainerState.RUNNING);
    assertThat(adopted.name()).isEqualTo("sleeper");
    assertThat(adopted.startedAt()).isEqualTo(before.startedAt());
    assertThat(second.inspect(exited).orElseThrow()).extracting(ContainerInfo::state, ContainerInfo::exitCode)
        .containsExactly(ContainerState.EXITED, 5);
    assertThatThrownBy(() -> second.create(new ContainerRequest("sleeper", shell("sleeper", "true"), Map.of(), Map.of())))
        .isInstanceOfSatisfying(ContainerConflictException.class, e -> assertThat(e.resourceId()).isEqualTo(running));

    second.stop(running, Duration.ofSeconds(5));

    assertThat(second.inspect(running).orElseThrow()).extracting(ContainerInfo::state, ContainerInfo::exitCode)
        .containsExactly(ContainerState.EXITED, -1);
    await().atMost(TIMEOUT).untilAsserted(() -> assertThat(events)
        .anyMatch(e -> e.type() == RuntimeEvent.Type.DIED && e.containerId().equals(running)));
  }

  @Test
  void a_process_that_died_while_no_runtime_watched_is_exited_after_adoption() throws IOException {
    ProcessRuntime first = runtime();
    String id = startShell(first, "sleeper", "exec sleep 1000");
    long pid = StateFile.read(stateDir.resolve("containers").resolve(id)).run().pid();
    closeEarly(first);
    ProcessHandle process = ProcessHandle.of(pid).orElseThrow();
    process.destroyForcibly();
    await().atMost(TIMEOUT).until(() -> !ProcessTree.alive(process));

    ProcessRuntime second = runtime();

    assertThat(second.inspect(id).orElseThrow()).extracting(ContainerInfo::state, ContainerInfo::exitCode)
        .containsExactly(ContainerState.EXITED, -1);
  }

  @Test
  void an_unknown_image_error_names_the_image_and_the_registered_ones() {
    ProcessRuntime runtime = runtime();
    ServiceSpec spec = ServiceSpec.builder("x").image("nginx:1.27").build();

    assertThatThrownBy(() -> runtime.create(new ContainerRequest("x-1", spec, Map.of(), Map.of())))
        .isInstanceOf(ImageNotFoundException.class)
        .hasMessageContaining("'nginx:1.27'")
        .hasMessageContaining("[sh, tiny-server]");
  }

  @Test
  void an_absolute_path_to_an_executable_is_its_own_image() {
    ProcessRuntime runtime = runtime();
    ServiceSpec spec = ServiceSpec.builder("direct").image("/bin/sh").command("-c", "echo direct").build();
    String id = runtime.create(new ContainerRequest("direct-1", spec, Map.of(), Map.of()));
    runtime.start(id);

    awaitExited(runtime, id);
    assertThat(runtime.logs(id, 10)).containsExactly("direct");
  }

  @Test
  void an_exec_outliving_its_timeout_is_killed_and_throws_a_timeout() throws IOException {
    ProcessRuntime runtime = runtime();
    String id = startShell(runtime, "host", "exec sleep 1000");

    assertThatThrownBy(() -> runtime.exec(id, List.of("/bin/sh", "-c", "echo $$ > exec.pid; exec sleep 1000"), Duration.ofMillis(500)))
        .isInstanceOfSatisfying(RuntimeTimeoutException.class, e -> assertThat(e.resourceId()).isEqualTo(id))
        .hasMessageContaining("did not finish within");

    long execPid = Long.parseLong(Files.readString(stateDir.resolve("containers").resolve(id).resolve("work").resolve("exec.pid")).strip());
    extraPids.add(execPid);
    assertThat(ProcessHandle.of(execPid).filter(ProcessTree::alive)).isEmpty();
  }

  @Test
  void a_start_that_cannot_launch_leaves_the_container_created_and_logs_why() {
    ProcessRuntime runtime = ProcessRuntime.builder().stateDirectory(stateDir).image("broken", List.of("/no/such/program")).build();
    runtimes.add(runtime);
    String id = runtime.create(new ContainerRequest("broken-1", ServiceSpec.builder("broken").image("broken").build(), Map.of(), Map.of()));

    assertThatThrownBy(() -> runtime.start(id))
        .isInstanceOfSatisfying(ContainerRuntimeException.class, e -> assertThat(e.resourceId()).isEqualTo(id))
        .hasMessageContaining("/no/such/program");
    assertThat(runtime.inspect(id).orElseThrow().state()).isEqualTo(ContainerState.CREATED);
    assertThat(runtime.logs(id, 5)).singleElement().asString().contains("cannot start");
  }

  private ProcessRuntime runtime() {
    ProcessRuntime runtime = ProcessRuntime.builder()
        .stateDirectory(stateDir)
        .image("sh", TestPrograms.shell())
        .image("tiny-server", TestPrograms.java(TinyServer.class))
        .build();
    runtimes.add(runtime);
    return runtime;
  }

  /** Closes a runtime within the test; a later runtime on the same state directory cleans up its containers. */
  private void closeEarly(ProcessRuntime runtime) {
    runtimes.remove(runtime);
    runtime.close();
  }

  private static ServiceSpec shell(String name, String script) {
    return ServiceSpec.builder(name).image("sh").command(script).build();
  }

  private static String startShell(ProcessRuntime runtime, String name, String script) {
    String id = runtime.create(new ContainerRequest(name, shell(name, script), Map.of(), Map.of()));
    runtime.start(id);
    return id;
  }

  /** The container's root process and its descendants, once it has {@code count} of them. */
  private List<ProcessHandle> awaitDescendants(String id, int count) {
    long pid = readPid(id);
    ProcessHandle root = ProcessHandle.of(pid).orElseThrow();
    await().atMost(TIMEOUT).until(() -> root.descendants().count() == count);
    List<ProcessHandle> tree = ProcessTree.snapshot(root);
    tree.forEach(p -> extraPids.add(p.pid()));
    return tree;
  }

  private long readPid(String id) {
    try {
      return StateFile.read(stateDir.resolve("containers").resolve(id)).run().pid();
    } catch (IOException e) {
      throw new AssertionError(e);
    }
  }

  private static void awaitExited(ProcessRuntime runtime, String id) {
    await().atMost(TIMEOUT).until(() -> runtime.inspect(id).orElseThrow().state() == ContainerState.EXITED);
  }

  private static int freePort() throws IOException {
    try (ServerSocket socket = new ServerSocket(0)) {
      return socket.getLocalPort();
    }
  }
}
