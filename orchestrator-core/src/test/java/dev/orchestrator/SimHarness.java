package dev.orchestrator;


import dev.orchestrator.event.OrchestratorEvent;
import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.ContainerRuntime;
import dev.orchestrator.runtime.OwnerLabels;
import dev.orchestrator.simulation.SimulatedCluster;
import dev.orchestrator.spec.HealthCheck;
import dev.orchestrator.spec.RestartPolicy;
import dev.orchestrator.spec.ServiceSpec;
import dev.orchestrator.time.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.function.UnaryOperator;

/**
 * A simulated cluster on a manual clock with an orchestrator over it, recording events and
 * checking at every simulator step that no slot ever has two live containers of one spec.
 */
final class SimHarness implements AutoCloseable {
  final ManualClock clock = new ManualClock();
  final SimulatedCluster cluster;
  final List<OrchestratorEvent> events = new CopyOnWriteArrayList<>();
  final List<String> violations = new CopyOnWriteArrayList<>();
  Orchestrator orchestrator;
  private final UnaryOperator<Orchestrator.Builder> customize;
  private final UnaryOperator<ContainerRuntime> runtimeView;

  SimHarness() {
    this(b -> b, b -> b);
  }

  SimHarness(UnaryOperator<SimulatedCluster.Builder> clusterSetup, UnaryOperator<Orchestrator.Builder> customize) {
    this(clusterSetup, customize, r -> r);
  }

  /** {@code runtimeView} wraps each simulated node's runtime as the orchestrator sees it. */
  SimHarness(UnaryOperator<SimulatedCluster.Builder> clusterSetup, UnaryOperator<Orchestrator.Builder> customize,
      UnaryOperator<ContainerRuntime> runtimeView) {
    this.customize = customize;
    this.runtimeView = runtimeView;
    SimulatedCluster.Builder b = SimulatedCluster.builder().clock(clock).seed(42)
        .invariant(this::noSlotRunsTwice);
    this.cluster = clusterSetup.apply(b.nodes("node", 3, 4000, 8L * 1024 * 1024 * 1024)).build();
    this.orchestrator = start("test");
  }

  Orchestrator start(String instanceId) {
    Orchestrator.Builder b = Orchestrator.builder().instanceId(instanceId).clock(clock).nodes(cluster.runtimes().stream().map(runtimeView).toList())
        .resyncInterval(Duration.ofSeconds(30)).orphanGracePeriod(Duration.ofSeconds(60))
        .callTimeout(Duration.ofSeconds(5)).retryBackoff(Duration.ofMillis(100), Duration.ofSeconds(5))
        .eventListener(events::add);
    return customize.apply(b).build();
  }

  /**
   * No slot runs two live containers of one spec, nor more than two at all (a start-first
   * replacement runs the outdated and the new container side by side for a while).
   */
  private void noSlotRunsTwice(List<ContainerInfo> all) {
    Map<String, String> seen = new HashMap<>();
    Map<String, Integer> perSlot = new HashMap<>();
    for (ContainerInfo c : all) {
      if (!c.running() || !cluster.node(c.node()).isUp()) {
        continue;
      }
      String slot = c.label(OwnerLabels.INSTANCE) + "/" + c.label(OwnerLabels.SERVICE) + "/" + c.label(OwnerLabels.SLOT);
      String key = slot + "/" + c.label(OwnerLabels.SPEC_HASH);
      String other = seen.putIfAbsent(key, c.id());
      if (other != null) {
        violations.add(key + " runs in " + other + " and " + c.id());
      }
      if (perSlot.merge(slot, 1, Integer::sum) > 2) {
        violations.add(slot + " runs more than two containers");
      }
    }
  }

  /** Waits until the condition holds, moving the manual clock forward by {@code step} between checks. */
  void converge(Duration step, BooleanSupplier condition) {
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(20)).until(() -> {
      if (condition.getAsBoolean()) {
        return true;
      }
      clock.advance(step);
      return false;
    });
  }

  void converge(BooleanSupplier condition) {
    converge(Duration.ofMillis(500), condition);
  }

  /** Waits (real time only) until the condition holds. */
  void await(BooleanSupplier condition) {
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(10)).until(condition::getAsBoolean);
  }

  /** Retries the assertion until it passes: events reach listeners on their own thread, a moment later. */
  void eventually(org.awaitility.core.ThrowingRunnable assertion) {
    org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(10)).untilAsserted(assertion);
  }

  /** The "web" service most simulation tests run: HTTP readiness every second, restart backoff 1-8 s. */
  static ServiceSpec web(int replicas) {
    return ServiceSpec.builder("web").image("web:1").port(8080).replicas(replicas)
        .readiness(HealthCheck.http(8080, "/ready").withInterval(Duration.ofSeconds(1)))
        .restartPolicy(RestartPolicy.defaults().withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(8), 2.0))
        .build();
  }

  /** Told the name of every call a {@link #watched} node gets, before the call runs; may delay it. */
  interface CallHook {
    void before(String method) throws Exception;
  }

  /** Told the name and arguments of every call a {@link #watchedCalls} node gets, before the call runs. */
  interface ArgsHook {
    void before(String method, Object[] args) throws Exception;
  }

  /** A simulated node as the orchestrator sees it, with {@code hook} told of every call first. */
  static ContainerRuntime watched(ContainerRuntime node, CallHook hook) {
    return watchedCalls(node, (method, args) -> hook.before(method));
  }

  /** A simulated node as the orchestrator sees it, with {@code hook} told of every call and its arguments first. */
  static ContainerRuntime watchedCalls(ContainerRuntime node, ArgsHook hook) {
    return (ContainerRuntime) java.lang.reflect.Proxy.newProxyInstance(SimHarness.class.getClassLoader(),
        new Class<?>[] {ContainerRuntime.class, dev.orchestrator.runtime.SelfProbing.class}, (proxy, method, args) -> {
          hook.before(method.getName(), args);
          try {
            return method.invoke(node, args);
          } catch (java.lang.reflect.InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  /** Engine operations a random fault may time out ("*": any). */
  private static final List<String> FAULTY_OPERATIONS = List.of("list", "create", "start", "stop", "remove", "inspect", "*");

  /**
   * One random fault for property tests: a replica of the service crashes, is OOM-killed or turns
   * unready, or a node fails, comes back, or times out its next calls of one operation.
   */
  void injectRandomFault(String service, java.util.Random random) {
    List<ContainerInfo> live = running(service);
    int what = random.nextInt(6);
    if (live.isEmpty() && what < 3) {
      return;
    }
    switch (what) {
      case 0 -> ifStillThere(() -> cluster.crash(live.get(random.nextInt(live.size())).id(), 1 + random.nextInt(200)));
      case 1 -> ifStillThere(() -> cluster.oomKill(live.get(random.nextInt(live.size())).id()));
      case 2 -> ifStillThere(() -> cluster.setReady(live.get(random.nextInt(live.size())).id(), false));
      case 3 -> cluster.failNode("node-" + (1 + random.nextInt(3)));
      case 4 -> cluster.restoreNode("node-" + (1 + random.nextInt(3)));
      default -> cluster.timeOutNextCalls("node-" + (1 + random.nextInt(3)),
          FAULTY_OPERATIONS.get(random.nextInt(FAULTY_OPERATIONS.size())), 1 + random.nextInt(3), random.nextBoolean());
    }
  }

  /** Ends every injected fault: all nodes back, every running container of the instance ready again. */
  void healAllFaults() {
    for (String node : List.of("node-1", "node-2", "node-3")) {
      cluster.restoreNode(node);
    }
    cluster.running(OwnerLabels.ofInstance(orchestrator.instanceId())).forEach(c -> ifStillThere(() -> cluster.setReady(c.id(), true)));
  }

  /** Runs a fault on a container the orchestrator may have removed since it was listed (its workers run meanwhile). */
  private static void ifStillThere(Runnable fault) {
    try {
      fault.run();
    } catch (IllegalArgumentException gone) {
      if (!String.valueOf(gone.getMessage()).startsWith("no simulated container")) {
        throw gone;
      }
    }
  }

  List<ContainerInfo> running(String service) {
    return cluster.running(OwnerLabels.ofService(orchestrator.instanceId(), service));
  }

  List<ContainerInfo> all(String service) {
    return cluster.containers(OwnerLabels.ofService(orchestrator.instanceId(), service));
  }

  boolean ready(String service, int replicas) {
    ServiceStatus s = orchestrator.status(service);
    return s.readyReplicas() == replicas && s.desiredReplicas() == replicas && s.isReady()
        && orchestrator.registry().lookup(service).size() == replicas && running(service).size() == replicas;
  }

  <T extends OrchestratorEvent> List<T> events(Class<T> type) {
    List<T> out = new ArrayList<>();
    for (OrchestratorEvent e : events) {
      if (type.isInstance(e)) {
        out.add(type.cast(e));
      }
    }
    return out;
  }

  void onEvent(Consumer<OrchestratorEvent> c) {
    orchestrator.subscribe(c::accept);
  }

  @Override
  public void close() {
    orchestrator.close();
    cluster.close();
  }

  /** A test's tear-down: closes the harness, if the test made one, and checks no slot ever ran two live containers. */
  static void closeChecked(SimHarness h) {
    if (h != null) {
      h.close();
      org.assertj.core.api.Assertions.assertThat(h.violations).as("two live containers for one slot").isEmpty();
    }
  }
}
