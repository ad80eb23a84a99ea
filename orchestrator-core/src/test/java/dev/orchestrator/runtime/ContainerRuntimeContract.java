package dev.orchestrator.runtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

import dev.orchestrator.Subscription;
import dev.orchestrator.spec.ServiceSpec;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Consumer;
import org.awaitility.core.ThrowingRunnable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * The compatibility kit every {@link ContainerRuntime} must pass: the simulator, the process
 * runtime and the Docker adapter extend it and implement the hooks below.
 *
 * <p>Each test gets a fresh runtime from {@link #runtime()} (called once per test), labels all it
 * creates with a per-test {@link OwnerLabels#INSTANCE} value, and removes those containers and
 * closes the runtime afterwards, even on failure. Waiting uses Awaitility; before each poll the
 * kit calls {@link #letTimePass(Duration)} so a runtime on a manual clock can move time.
 */
public abstract class ContainerRuntimeContract {
  private static final Duration TIME_STEP = Duration.ofMillis(100);

  private final List<String> createdIds = new CopyOnWriteArrayList<>();
  private final List<Subscription> subscriptions = new CopyOnWriteArrayList<>();
  private final String runId = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
  private ContainerRuntime runtime;

  /** A new runtime for one test; the kit closes it after the test. */
  protected abstract ContainerRuntime runtime();

  /**
   * A spec (for service {@code name}) whose container runs until stopped, declares exactly one
   * TCP port and listens on it, and prints the line {@code started} to stdout once up.
   */
  protected abstract ServiceSpec longRunning(String name);

  /**
   * A spec (for service {@code name}) whose container prints the line {@code started} to stdout
   * and then exits by itself, shortly after start, with {@code exitCode}.
   */
  protected abstract ServiceSpec exitsWith(String name, int exitCode);

  /** A command that, run by {@code exec} in a {@link #longRunning} container, prints {@code stdout} and exits with {@code exitCode}. */
  protected abstract List<String> execCommand(String stdout, int exitCode);

  /** An image name the runtime does not know and cannot obtain. */
  protected abstract String missingImage();

  /** Lets {@code step} of the runtime's time pass; real runtimes keep this no-op. */
  protected void letTimePass(Duration step) {}

  /** How long the kit waits for an asynchronous outcome. */
  protected Duration awaitTimeout() {
    return Duration.ofSeconds(30);
  }

  @BeforeEach
  final void openRuntime() {
    runtime = runtime();
  }

  @AfterEach
  final void cleanUp() {
    subscriptions.forEach(Subscription::close);
    if (runtime == null) {
      return;
    }
    try {
      for (String id : createdIds) {
        try {
          runtime.remove(id);
        } catch (RuntimeException e) {
          System.err.println("contract kit: could not remove " + id + ": " + e);
        }
      }
    } finally {
      runtime.close();
    }
  }

  @Test
  void create_returns_an_id_and_a_created_container_carrying_every_requested_label() {
    Map<String, String> labels = labels("web", Map.of("extra", "yes"));
    String id = create("web", longRunning("web"), labels);

    ContainerInfo info = inspect(id);
    assertThat(id).isNotBlank();
    assertThat(info.id()).isEqualTo(id);
    assertThat(info.name()).isEqualTo(name("web"));
    assertThat(info.node()).isEqualTo(runtime.node().name());
    assertThat(info.state()).isEqualTo(ContainerState.CREATED);
    assertThat(info.startedAt()).isNull();
    assertThat(info.labels()).containsAllEntriesOf(labels);
    // images may bring labels of their own, but never ownership labels nobody asked for
    assertThat(info.labels().keySet())
        .filteredOn(k -> k.startsWith("dev.orchestrator."))
        .containsExactlyInAnyOrderElementsOf(labels.keySet().stream().filter(k -> k.startsWith("dev.orchestrator.")).toList());
  }

  @Test
  void start_makes_a_created_container_running_with_a_start_time() {
    String id = create("web", longRunning("web"), labels("web", Map.of()));
    runtime.start(id);

    eventually(() -> {
      ContainerInfo info = inspect(id);
      assertThat(info.state()).isEqualTo(ContainerState.RUNNING);
      assertThat(info.running()).isTrue();
      assertThat(info.startedAt()).isNotNull();
    });
  }

  @Test
  void starting_a_running_container_is_a_no_op() {
    String id = createAndStartLongRunning("web");
    runtime.start(id);
    assertThat(inspect(id).state()).isEqualTo(ContainerState.RUNNING);
  }

  @Test
  void list_returns_exactly_the_containers_carrying_every_label_of_the_selector() {
    Map<String, String> base = labels("web", Map.of());
    String a = create("a", longRunning("web"), with(base, "tier", "one"));
    String b = create("b", longRunning("web"), with(base, "tier", "two"));

    assertThat(ids(runtime.list(base))).containsExactlyInAnyOrder(a, b);
    assertThat(ids(runtime.list(with(base, "tier", "one")))).containsExactly(a);
    assertThat(ids(runtime.list(with(base, "tier", "two")))).containsExactly(b);
    assertThat(ids(runtime.list(with(base, "tier", "three")))).isEmpty();
    assertThat(ids(runtime.list(with(base, "absent-label", "x")))).isEmpty();
    assertThat(ids(runtime.list(Map.of(OwnerLabels.INSTANCE, "not-" + runId)))).doesNotContain(a, b);
  }

  @Test
  void creating_a_second_container_with_a_taken_name_throws_a_conflict_carrying_the_first_id() {
    String first = create("web", longRunning("web"), labels("web", Map.of()));

    assertThatThrownBy(() -> create("web", longRunning("web"), labels("web", Map.of())))
        .isInstanceOfSatisfying(ContainerConflictException.class, e -> assertThat(e.resourceId()).isEqualTo(first));
    assertThat(ids(runtime.list(labels("web", Map.of())))).containsExactly(first);
  }

  @Test
  void stop_with_a_grace_period_makes_a_running_container_exited_and_reports_its_death() {
    String id = createAndStartLongRunning("web");
    List<RuntimeEvent> events = subscribe(e -> {});

    runtime.stop(id, Duration.ofSeconds(5));

    eventually(() -> assertThat(inspect(id).state()).isEqualTo(ContainerState.EXITED));
    eventually(() -> assertThat(events).anySatisfy(e -> assertThat(e).extracting(RuntimeEvent::type, RuntimeEvent::containerId)
        .containsExactly(RuntimeEvent.Type.DIED, id)));
  }

  @Test
  void stopping_an_exited_container_is_a_no_op() {
    String id = createAndStartExiting("job", 3);
    eventually(() -> assertThat(inspect(id).state()).isEqualTo(ContainerState.EXITED));

    runtime.stop(id, Duration.ofSeconds(1));

    assertThat(inspect(id).state()).isEqualTo(ContainerState.EXITED);
    assertThat(inspect(id).exitCode()).isEqualTo(3);
  }

  @Test
  void stopping_or_removing_an_unknown_container_is_a_no_op_and_inspecting_it_is_empty() {
    String unknown = "no-such-container-" + runId;
    runtime.stop(unknown, Duration.ofSeconds(1));
    runtime.remove(unknown);
    assertThat(runtime.inspect(unknown)).isEmpty();
  }

  @Test
  void starting_an_unknown_container_throws_naming_it() {
    String unknown = "no-such-container-" + runId;
    assertThatThrownBy(() -> runtime.start(unknown))
        .isInstanceOfSatisfying(ContainerRuntimeException.class, e -> assertThat(e.resourceId()).isEqualTo(unknown));
  }

  @Test
  void removing_a_running_container_kills_and_removes_it() {
    String id = createAndStartLongRunning("web");

    runtime.remove(id);

    eventually(() -> assertThat(runtime.inspect(id)).isEmpty());
    assertThat(ids(runtime.list(labels("web", Map.of())))).doesNotContain(id);
  }

  @Test
  void a_container_that_exits_by_itself_is_exited_with_its_exit_code_and_subscribers_hear_it_died() {
    List<RuntimeEvent> events = subscribe(e -> {});
    Map<String, String> labels = labels("job", Map.of());
    String id = create("job", exitsWith("job", 3), labels);
    runtime.start(id);

    eventually(() -> {
      ContainerInfo info = inspect(id);
      assertThat(info.state()).isEqualTo(ContainerState.EXITED);
      assertThat(info.exitCode()).isEqualTo(3);
      assertThat(info.finishedAt()).isNotNull();
    });
    eventually(() -> assertThat(events).filteredOn(e -> e.type() == RuntimeEvent.Type.DIED && e.containerId().equals(id))
        .singleElement().satisfies(e -> {
      assertThat(e.node()).isEqualTo(runtime.node().name());
      assertThat(e.exitCode()).isEqualTo(3);
      assertThat(e.labels()).containsAllEntriesOf(labels);
    }));
    assertThat(runtime.list(labels)).extracting(ContainerInfo::id, ContainerInfo::state)
        .containsExactly(tuple(id, ContainerState.EXITED));
  }

  @Test
  void a_closed_subscription_receives_no_more_events() {
    List<RuntimeEvent> closed = new CopyOnWriteArrayList<>();
    Subscription subscription = runtime.subscribe(closed::add);
    subscription.close();
    subscription.close();
    List<RuntimeEvent> open = subscribe(e -> {});

    String id = createAndStartExiting("job", 0);

    eventually(() -> assertThat(open).anyMatch(e -> e.type() == RuntimeEvent.Type.DIED && e.containerId().equals(id)));
    await().during(Duration.ofMillis(300)).atMost(awaitTimeout()).untilAsserted(() -> assertThat(closed).isEmpty());
  }

  @Test
  void events_are_delivered_on_a_thread_other_than_the_callers() {
    Thread caller = Thread.currentThread();
    List<Thread> threads = new CopyOnWriteArrayList<>();
    List<RuntimeEvent> events = subscribe(e -> threads.add(Thread.currentThread()));

    String id = createAndStartExiting("job", 0);

    eventually(() -> assertThat(events).anyMatch(e -> e.type() == RuntimeEvent.Type.DIED && e.containerId().equals(id)));
    assertThat(threads).isNotEmpty().doesNotContain(caller);
  }

  @Test
  void logs_return_the_lines_the_container_printed() {
    String id = createAndStartExiting("job", 0);
    eventually(() -> assertThat(inspect(id).state()).isEqualTo(ContainerState.EXITED));

    eventually(() -> assertThat(runtime.logs(id, 100)).contains("started"));
    assertThat(runtime.logs(id, 1)).hasSizeLessThanOrEqualTo(1);
  }

  @Test
  void exec_returns_the_commands_exit_code_and_stdout() {
    String id = createAndStartLongRunning("web");

    ExecResult ok = runtime.exec(id, execCommand("hello-contract", 0), Duration.ofSeconds(20));
    ExecResult failed = runtime.exec(id, execCommand("bye", 7), Duration.ofSeconds(20));

    assertThat(ok.exitCode()).isZero();
    assertThat(ok.succeeded()).isTrue();
    assertThat(ok.stdout().strip()).isEqualTo("hello-contract");
    assertThat(failed.exitCode()).isEqualTo(7);
    assertThat(failed.stdout().strip()).isEqualTo("bye");
  }

  @Test
  void ensuring_a_missing_image_throws_image_not_found_naming_it() {
    String image = missingImage();
    assertThatThrownBy(() -> runtime.ensureImage(image))
        .isInstanceOf(ImageNotFoundException.class)
        .hasMessageContaining(image);
  }

  @Test
  void creating_a_container_from_a_missing_image_throws_image_not_found_and_creates_nothing() {
    ServiceSpec spec = longRunning("web").toBuilder().image(missingImage()).build();
    assertThatThrownBy(() -> create("web", spec, labels("web", Map.of()))).isInstanceOf(ImageNotFoundException.class);
    assertThat(runtime.list(labels("web", Map.of()))).isEmpty();
  }

  @Test
  void a_long_running_container_publishes_its_declared_port_on_a_host_port() {
    ServiceSpec spec = longRunning("web");
    assertThat(spec.ports()).hasSize(1);
    int containerPort = spec.ports().get(0).containerPort();
    String id = createAndStartLongRunning("web");

    eventually(() -> {
      Optional<PublishedPort> port = inspect(id).port(containerPort);
      assertThat(port).hasValueSatisfying(p -> {
        assertThat(p.hostAddress()).isNotBlank();
        assertThat(p.hostPort()).isPositive();
        assertThat(p.protocol()).isEqualToIgnoringCase("tcp");
      });
    });
  }

  @Test
  void node_reports_a_name_and_positive_capacity() {
    NodeInfo node = runtime.node();
    assertThat(node.name()).isNotBlank();
    assertThat(node.cpuMillis()).isPositive();
    assertThat(node.memoryBytes()).isPositive();
    assertThat(node.address()).isNotBlank();
  }

  @Test
  void stats_of_a_running_container_are_non_negative() {
    String id = createAndStartLongRunning("web");

    ContainerStats stats = runtime.stats(id);

    assertThat(stats.cpuMillis()).isNotNegative();
    assertThat(stats.memoryBytes()).isNotNegative();
    assertThat(stats.cpuTotalNanos()).isNotNegative();
    assertThat(stats.time()).isNotNull();
  }

  // ---- helpers -------------------------------------------------------------------------

  /** Polls {@code assertion} (letting time pass before each poll) until it holds. */
  protected final void eventually(ThrowingRunnable assertion) {
    await().atMost(awaitTimeout()).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
      letTimePass(TIME_STEP);
      assertion.run();
    });
  }

  private String createAndStartLongRunning(String service) {
    String id = create(service, longRunning(service), labels(service, Map.of()));
    runtime.start(id);
    eventually(() -> assertThat(inspect(id).state()).isEqualTo(ContainerState.RUNNING));
    return id;
  }

  private String createAndStartExiting(String service, int exitCode) {
    String id = create(service, exitsWith(service, exitCode), labels(service, Map.of()));
    runtime.start(id);
    return id;
  }

  private String create(String suffix, ServiceSpec spec, Map<String, String> labels) {
    String id = runtime.create(new ContainerRequest(name(suffix), spec, labels, Map.of()));
    createdIds.add(id);
    return id;
  }

  private List<RuntimeEvent> subscribe(Consumer<RuntimeEvent> also) {
    List<RuntimeEvent> events = new CopyOnWriteArrayList<>();
    subscriptions.add(runtime.subscribe(e -> {
      also.accept(e);
      events.add(e);
    }));
    return events;
  }

  private ContainerInfo inspect(String id) {
    return runtime.inspect(id).orElseThrow(() -> new AssertionError("container " + id + " is gone"));
  }

  private String name(String suffix) {
    return "contract-" + runId + "-" + suffix;
  }

  private Map<String, String> labels(String service, Map<String, String> extra) {
    Map<String, String> labels = new TreeMap<>(extra);
    labels.put(OwnerLabels.INSTANCE, "contract-" + runId);
    labels.put(OwnerLabels.SERVICE, service);
    return Map.copyOf(labels);
  }

  private static Map<String, String> with(Map<String, String> labels, String key, String value) {
    Map<String, String> copy = new TreeMap<>(labels);
    copy.put(key, value);
    return Map.copyOf(copy);
  }

  private static List<String> ids(List<ContainerInfo> infos) {
    return infos.stream().map(ContainerInfo::id).toList();
  }
}
