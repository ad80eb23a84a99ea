package dev.orchestrator.docker;

import static dev.orchestrator.docker.DockerTestEngine.docker;
import static dev.orchestrator.docker.DockerTestEngine.image;
import static dev.orchestrator.docker.DockerTestSupport.httpd;
import static dev.orchestrator.docker.DockerTestSupport.labels;
import static dev.orchestrator.docker.DockerTestSupport.shell;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.orchestrator.runtime.ContainerConflictException;
import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.ContainerRequest;
import dev.orchestrator.runtime.ContainerState;
import dev.orchestrator.runtime.ImageNotFoundException;
import dev.orchestrator.runtime.NodeUnavailableException;
import dev.orchestrator.runtime.OwnerLabels;
import dev.orchestrator.runtime.PublishedPort;
import dev.orchestrator.runtime.RuntimeEvent;
import dev.orchestrator.runtime.RuntimeTimeoutException;
import dev.orchestrator.spec.Resources;
import dev.orchestrator.spec.ServiceSpec;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The Docker runtime against the real engine: labels, ports, OOM, exits, conflicts, images, events. */
class DockerRuntimeTest {
  private static final Duration WAIT = Duration.ofSeconds(30);

  private final String instance = "docker-test-" + DockerTestEngine.randomId();
  private final List<String> foreign = new CopyOnWriteArrayList<>();
  private DockerRuntime runtime;

  @BeforeEach
  void openRuntime() {
    image();
    runtime = DockerTestEngine.runtimeBuilder().instanceId(instance).build();
  }

  @AfterEach
  void cleanUp() {
    try {
      DockerTestSupport.removeAll(runtime, instance);
      foreign.forEach(runtime::remove);
    } finally {
      runtime.close();
    }
  }

  private String create(String name, ServiceSpec spec) {
    return runtime.create(new ContainerRequest(instance + "-" + name, spec, labels(instance, spec.name()), Map.of()));
  }

  private String run(String name, ServiceSpec spec) {
    String id = create(name, spec);
    runtime.start(id);
    return id;
  }

  private ContainerInfo inspect(String id) {
    return runtime.inspect(id).orElseThrow(() -> new AssertionError(id + " is gone"));
  }

  private List<RuntimeEvent> subscribe() {
    List<RuntimeEvent> events = new CopyOnWriteArrayList<>();
    runtime.subscribe(events::add);
    return events;
  }

  @Test
  void followed_logs_deliver_the_tail_then_every_new_line_until_closed() {
    String id = run("talker", shell("talker", "echo one; sleep 1; echo two; sleep 1; echo three; exec sleep 600"));
    List<String> lines = new java.util.concurrent.CopyOnWriteArrayList<>();
    try (dev.orchestrator.Subscription follow = runtime.followLogs(id, 10, lines::add)) {
      await().atMost(WAIT).untilAsserted(() -> assertThat(lines).containsSubsequence("one", "two", "three"));
    }
    int seen = lines.size();
    assertThat(runtime.logs(id, 10)).containsSubsequence("one", "two", "three");
    assertThat(lines).hasSize(seen);
  }

  @Test
  void a_foreign_container_without_our_labels_is_never_listed_and_survives_our_cleanup() {
    String ours = create("ours", httpd("web"));
    String other = runtime.create(new ContainerRequest(instance + "-foreign", httpd("web"),
        Map.of(DockerTestSupport.TEST_LABEL, DockerTestSupport.TEST_LABEL_VALUE), Map.of()));
    foreign.add(other);

    assertThat(runtime.list(OwnerLabels.ofInstance(instance))).extracting(ContainerInfo::id).containsExactly(ours);
    assertThat(runtime.list(OwnerLabels.ofService(instance, "web"))).extracting(ContainerInfo::id).containsExactly(ours);

    DockerTestSupport.removeAll(runtime, instance);

    assertThat(runtime.list(OwnerLabels.ofInstance(instance))).isEmpty();
    assertThat(runtime.inspect(other)).isPresent();
  }

  @Test
  void a_published_port_answers_http_on_the_host_address() throws Exception {
    String id = run("web", httpd("web"));

    PublishedPort port = await().atMost(WAIT).until(() -> inspect(id).port(8080), p -> p.isPresent()).orElseThrow();
    assertThat(port.hostAddress()).isEqualTo("127.0.0.1");
    assertThat(port.protocol()).isEqualTo("tcp");
    assertThat(docker("port", id, "8080/tcp")).isEqualTo("127.0.0.1:" + port.hostPort());

    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest get = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port.hostPort() + "/hostname"))
        .timeout(Duration.ofSeconds(2)).build();
    await().atMost(WAIT).ignoreExceptions().untilAsserted(() ->
        assertThat(http.send(get, HttpResponse.BodyHandlers.ofString()).statusCode()).isEqualTo(200));
  }

  @Test
  void a_fixed_host_port_is_published_as_asked() {
    int hostPort = 20000 + (int) (Math.random() * 20000);
    ServiceSpec spec = httpd("web").toBuilder().clearPorts()
        .port(dev.orchestrator.spec.PortSpec.tcp(8080).withHostPort(hostPort)).build();
    String id = run("web", spec);

    await().atMost(WAIT).untilAsserted(() -> assertThat(inspect(id).port(8080))
        .hasValue(new PublishedPort(8080, "tcp", "127.0.0.1", hostPort)));
  }

  @Test
  void a_container_exceeding_its_memory_limit_is_reported_oom_killed() {
    List<RuntimeEvent> events = subscribe();
    // The hog is a child shell and the main process exits 0.5 s later with its status: when the main
    // process itself is OOM-killed, Docker 20.10 on cgroup v1 reports OOMKilled=false in about one run of five.
    ServiceSpec hog = shell("hog", "sh -c 'x=$(head -c 64000000 /dev/zero | tr \"\\0\" a); echo ${#x}'; s=$?; sleep 0.5; exit $s").toBuilder()
        .resources(Resources.requests(0, 4 * Resources.MIB).withLimits(0, 8 * Resources.MIB)).build();
    String id = run("hog", hog);

    await().atMost(WAIT).untilAsserted(() -> {
      ContainerInfo info = inspect(id);
      assertThat(info.state()).isEqualTo(ContainerState.EXITED);
      assertThat(info.oomKilled()).isTrue();
      assertThat(info.exitCode()).isEqualTo(137);
    });
    await().atMost(WAIT).untilAsserted(() -> assertThat(events)
        .anySatisfy(e -> assertThat(e).extracting(RuntimeEvent::type, RuntimeEvent::containerId)
            .containsExactly(RuntimeEvent.Type.OOM_KILLED, id))
        .anySatisfy(e -> assertThat(e).extracting(RuntimeEvent::type, RuntimeEvent::containerId, RuntimeEvent::exitCode)
            .containsExactly(RuntimeEvent.Type.DIED, id, 137)));
  }

  @Test
  void exit_codes_are_reported_by_inspect_and_by_the_died_event() {
    List<RuntimeEvent> events = subscribe();
    String ok = run("ok", shell("ok", "exit 0"));
    String failed = run("failed", shell("failed", "echo oops >&2; exit 42"));

    await().atMost(WAIT).untilAsserted(() -> {
      assertThat(inspect(ok)).extracting(ContainerInfo::state, ContainerInfo::exitCode).containsExactly(ContainerState.EXITED, 0);
      assertThat(inspect(failed)).extracting(ContainerInfo::state, ContainerInfo::exitCode).containsExactly(ContainerState.EXITED, 42);
      assertThat(inspect(failed).oomKilled()).isFalse();
    });
    await().atMost(WAIT).untilAsserted(() -> assertThat(events)
        .filteredOn(e -> e.type() == RuntimeEvent.Type.DIED)
        .extracting(RuntimeEvent::containerId, RuntimeEvent::exitCode)
        .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple(ok, 0), org.assertj.core.groups.Tuple.tuple(failed, 42)));
    assertThat(runtime.logs(failed, 10)).containsExactly("oops");
  }

  @Test
  void a_second_create_with_the_same_name_conflicts_and_names_the_existing_container() {
    String first = create("web", httpd("web"));

    assertThatThrownBy(() -> create("web", httpd("web")))
        .isInstanceOfSatisfying(ContainerConflictException.class, e -> {
          assertThat(e.resourceId()).isEqualTo(first);
          assertThat(e.getMessage()).contains(instance + "-web", first);
        });
  }

  @Test
  void a_missing_image_fails_fast_naming_the_image_under_every_pull_policy() {
    for (PullPolicy policy : PullPolicy.values()) {
      try (DockerRuntime r = DockerTestEngine.runtimeBuilder().pullPolicy(policy).build()) {
        long start = System.nanoTime();
        assertThatThrownBy(() -> r.ensureImage(DockerTestSupport.MISSING_IMAGE))
            .as("policy %s", policy)
            .isInstanceOf(ImageNotFoundException.class)
            .hasMessageContaining(DockerTestSupport.MISSING_IMAGE);
        assertThat(Duration.ofNanos(System.nanoTime() - start)).as("policy %s", policy).isLessThan(Duration.ofSeconds(10));
      }
    }
    runtime.ensureImage(image()); // present: IF_MISSING does not pull
  }

  @Test
  void a_died_event_arrives_soon_after_an_outside_docker_kill() {
    String id = run("web", httpd("web"));
    await().atMost(WAIT).until(() -> inspect(id).running());
    List<RuntimeEvent> events = subscribe();

    long start = System.nanoTime();
    docker("kill", id);

    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(events)
        .anySatisfy(e -> assertThat(e).extracting(RuntimeEvent::type, RuntimeEvent::containerId, RuntimeEvent::exitCode)
            .containsExactly(RuntimeEvent.Type.DIED, id, 137)));
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    assertThat(events).allSatisfy(e -> assertThat(e.labels()).containsEntry(OwnerLabels.INSTANCE, instance));
  }

  @Test
  void a_listing_after_the_died_event_never_shows_the_dead_container_running() {
    // the engine's listing lags behind its events; the runtime lists live containers without an
    // inspect only while the event stream vouches for them, so a listing made in the die event's
    // listener must already see the death
    Map<String, String> selector = Map.of(OwnerLabels.INSTANCE, instance);
    List<String> seenRunningAfterDeath = new CopyOnWriteArrayList<>();
    List<String> deaths = new CopyOnWriteArrayList<>();
    runtime.subscribe(e -> {
      if (e.type() == RuntimeEvent.Type.DIED) {
        runtime.list(selector).stream().filter(c -> c.id().equals(e.containerId()) && c.running())
            .forEach(c -> seenRunningAfterDeath.add(c.id()));
        deaths.add(e.containerId());
      }
    });
    for (int i = 0; i < 3; i++) {
      String id = run("web-" + i, httpd("web"));
      ContainerInfo inspected = inspect(id);
      // listed twice: the second listing comes from the engine's listing alone and says the same
      assertThat(runtime.list(selector)).filteredOn(c -> c.id().equals(id)).singleElement()
          .satisfies(c -> assertThat(c.startedAt()).isEqualTo(inspected.startedAt()));
      assertThat(runtime.list(selector)).filteredOn(c -> c.id().equals(id)).singleElement()
          .satisfies(c -> {
            assertThat(c.running()).isTrue();
            assertThat(c.startedAt()).isEqualTo(inspected.startedAt());
            assertThat(c.ports()).isEqualTo(inspected.ports());
            assertThat(c.networks()).isEqualTo(inspected.networks()).isNotEmpty();
            assertThat(c.labels()).isEqualTo(inspected.labels());
            assertThat(c.name()).isEqualTo(inspected.name());
          });
      docker("kill", id);
      await().atMost(WAIT).until(() -> deaths.contains(id));
      assertThat(runtime.list(selector)).filteredOn(c -> c.id().equals(id)).singleElement()
          .satisfies(c -> {
            assertThat(c.state()).isEqualTo(ContainerState.EXITED);
            assertThat(c.exitCode()).isEqualTo(137);
            assertThat(c.finishedAt()).isNotNull();
          });
    }
    assertThat(seenRunningAfterDeath).isEmpty();
  }

  @Test
  void the_event_stream_survives_an_idle_timeout_without_losing_or_repeating_events() {
    runtime.close();
    runtime = DockerTestEngine.runtimeBuilder().instanceId(instance).responseTimeout(Duration.ofSeconds(2)).build();
    List<RuntimeEvent> events = subscribe();

    // silent for longer than the response timeout between start and death: the stream reconnects
    String id = run("sleeper", shell("sleeper", "sleep 5; exit 4"));

    await().atMost(WAIT).untilAsserted(() -> assertThat(events)
        .anySatisfy(e -> assertThat(e).extracting(RuntimeEvent::type, RuntimeEvent::exitCode)
            .containsExactly(RuntimeEvent.Type.DIED, 4)));
    assertThat(events).filteredOn(e -> e.containerId().equals(id)).extracting(RuntimeEvent::type)
        .containsExactly(RuntimeEvent.Type.CREATED, RuntimeEvent.Type.STARTED, RuntimeEvent.Type.DIED);
    assertThat(events).extracting(RuntimeEvent::type).doesNotContain(RuntimeEvent.Type.NODE_UNAVAILABLE);
  }

  @Test
  void an_engine_that_is_not_there_is_unavailable_from_every_call_and_reported_to_subscribers() {
    String host = "unix:///tmp/no-such-docker-" + DockerTestEngine.randomId() + ".sock";
    try (DockerRuntime absent = DockerRuntime.builder().dockerHost(host).connectTimeout(Duration.ofSeconds(1)).build()) {
      assertThatThrownBy(absent::node)
          .isInstanceOf(NodeUnavailableException.class)
          .hasMessageContaining("Docker Engine at " + host + " did not answer within 1 s");
      assertThatThrownBy(() -> absent.inspect("any")).isInstanceOf(NodeUnavailableException.class);
      assertThatThrownBy(() -> absent.ensureImage(image())).isInstanceOf(NodeUnavailableException.class);

      List<RuntimeEvent> events = new CopyOnWriteArrayList<>();
      absent.subscribe(events::add);
      await().atMost(WAIT).untilAsserted(() ->
          assertThat(events).extracting(RuntimeEvent::type).contains(RuntimeEvent.Type.NODE_UNAVAILABLE));
    }
  }

  @Test
  void an_engine_that_accepts_but_never_answers_times_out_after_the_response_timeout() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        DockerRuntime hung = DockerRuntime.builder().dockerHost("tcp://127.0.0.1:" + silent.getLocalPort())
            .responseTimeout(Duration.ofSeconds(1)).build()) {
      long start = System.nanoTime();
      assertThatThrownBy(() -> hung.inspect("any"))
          .isInstanceOf(RuntimeTimeoutException.class)
          .hasMessageContaining("did not answer");
      assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(10));
    }
  }
}
