package dev.orchestrator.simulation;

import dev.orchestrator.Subscription;
import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.ContainerRuntime;
import dev.orchestrator.runtime.NodeInfo;
import dev.orchestrator.runtime.RuntimeEvent;
import dev.orchestrator.time.ManualClock;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Consumer;

/**
 * A simulated cluster of nodes whose containers live in memory: the first-class way to test
 * code built on the orchestrator and to rehearse failures. Each node is a
 * {@link ContainerRuntime} ({@link SimulatedNode}); give them to
 * {@code Orchestrator.builder().nodes(...)}.
 *
 * <p>Faults are injected by call: crash a container with an exit code, OOM-kill it, fail its
 * liveness or readiness, take a node down (its containers die, its calls fail) and bring it back,
 * make the next calls to a node time out (optionally after taking effect). With the same seed,
 * {@link #crashRandomContainer()} picks the same victims.
 *
 * <p>Time: with a {@link ManualClock}, timed behaviour (slow starts, timed exits) happens exactly
 * when the clock is advanced; with another clock it is applied at the next call to a node.
 *
 * <p>Thread-safe: one lock guards every node; events are delivered in order on one daemon thread
 * owned by the cluster and stopped by {@link #close()}.
 */
public final class SimulatedCluster implements AutoCloseable {
  final Object lock = new Object();
  final SimulationStats.Counters stats = new SimulationStats.Counters();
  private final Clock clock;
  private final Random random;
  private final Map<String, SimulatedNode> nodes = new LinkedHashMap<>();
  private final Map<String, SimulatedImage> images = new HashMap<>();
  private final boolean anyImage;
  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private final ExecutorService delivery;
  private final List<Consumer<List<ContainerInfo>>> invariants;
  private final Runnable clockRegistration;
  private long nextId = 1;
  /** Running containers whose image exits by itself after a while; guarded by {@link #lock}. */
  private final java.util.Set<SimContainer> timed = new java.util.LinkedHashSet<>();

  private record Listener(String node, Consumer<RuntimeEvent> consumer) {}

  private SimulatedCluster(Builder b) {
    this.clock = b.clock;
    this.random = new Random(b.seed);
    this.images.putAll(b.images);
    this.anyImage = b.anyImage;
    this.invariants = List.copyOf(b.invariants);
    this.delivery = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "sim-events");
      t.setDaemon(true);
      return t;
    });
    for (NodeInfo n : b.nodes) {
      nodes.put(n.name(), new SimulatedNode(this, n));
    }
    this.clockRegistration = clock instanceof ManualClock manual ? manual.onAdvance(this::onClockAdvance) : () -> {};
  }

  public static Builder builder() {
    return new Builder();
  }

  /** The nodes, in the order they were added; each is the runtime of that node. */
  public List<SimulatedNode> nodes() {
    synchronized (lock) {
      return List.copyOf(nodes.values());
    }
  }

  /** The nodes as runtimes, for {@code Orchestrator.builder().nodes(...)}. */
  public List<ContainerRuntime> runtimes() {
    return List.copyOf(nodes());
  }

  public SimulatedNode node(String name) {
    synchronized (lock) {
      SimulatedNode n = nodes.get(name);
      if (n == null) {
        throw new IllegalArgumentException("no node '" + name + "'; nodes are " + nodes.keySet());
      }
      return n;
    }
  }

  public Clock clock() {
    return clock;
  }

  /** The seeded random source the cluster's random faults draw from. */
  public Random random() {
    return random;
  }

  /** Counters of what callers asked the simulated engine to do. */
  public SimulationStats stats() {
    synchronized (lock) {
      return stats.snapshot();
    }
  }

  /** Every container on every node carrying the labels, whatever its state. */
  public List<ContainerInfo> containers(Map<String, String> labelSelector) {
    synchronized (lock) {
      List<ContainerInfo> out = new ArrayList<>();
      for (SimulatedNode n : nodes.values()) {
        for (SimContainer c : n.containers.values()) {
          if (c.labels.entrySet().containsAll(labelSelector.entrySet())) {
            out.add(c.info());
          }
        }
      }
      return out;
    }
  }

  /** Running containers on nodes that are up, carrying the labels. */
  public List<ContainerInfo> running(Map<String, String> labelSelector) {
    synchronized (lock) {
      return containers(labelSelector).stream().filter(ContainerInfo::running).filter(c -> !nodes.get(c.node()).down).toList();
    }
  }

  /** The container exits with {@code exitCode} as if its process ended. */
  public void crash(String containerId, int exitCode) {
    synchronized (lock) {
      SimContainer c = find(containerId);
      if (c.running()) {
        exit(c, exitCode, false, "crashed with exit code " + exitCode);
      }
    }
  }

  /** The container is killed for exceeding its memory (exit 137, OOM flag set). */
  public void oomKill(String containerId) {
    synchronized (lock) {
      SimContainer c = find(containerId);
      if (c.running()) {
        exit(c, 137, true, "OOM killed");
      }
    }
  }

  /** Crashes one running container chosen by the seeded random source; returns its id, if any. */
  public Optional<String> crashRandomContainer() {
    synchronized (lock) {
      List<SimContainer> candidates = new ArrayList<>();
      nodes.values().stream().filter(n -> !n.down).forEach(n -> n.containers.values().stream().filter(SimContainer::running).forEach(candidates::add));
      if (candidates.isEmpty()) {
        return Optional.empty();
      }
      SimContainer victim = candidates.get(random.nextInt(candidates.size()));
      exit(victim, 1 + random.nextInt(255), false, "crashed (random fault)");
      return Optional.of(victim.id);
    }
  }

  /** Liveness checks of the container fail (false) or pass again (true). */
  public void setLive(String containerId, boolean live) {
    synchronized (lock) {
      find(containerId).live = live;
    }
  }

  /** Readiness checks of the container fail (false) or pass again (true). */
  public void setReady(String containerId, boolean ready) {
    synchronized (lock) {
      find(containerId).ready = ready;
    }
  }

  /** Sets what {@code stats} reports for the container. */
  public void setUsage(String containerId, long cpuMillis, long memoryBytes) {
    synchronized (lock) {
      SimContainer c = find(containerId);
      c.cpuMillis = cpuMillis;
      c.memoryBytes = memoryBytes;
    }
  }

  /** The node disappears: its running containers die (exit 137) and every call to it fails. */
  public void failNode(String name) {
    synchronized (lock) {
      SimulatedNode n = node(name);
      if (n.down) {
        return;
      }
      n.containers.values().stream().filter(SimContainer::running).forEach(c -> exit(c, 137, false, "node " + name + " failed"));
      n.down = true;
      emitNode(RuntimeEvent.Type.NODE_UNAVAILABLE, name);
    }
  }

  /** The node answers again; containers that died with it stay exited. */
  public void restoreNode(String name) {
    synchronized (lock) {
      SimulatedNode n = node(name);
      if (n.down) {
        n.down = false;
        emitNode(RuntimeEvent.Type.NODE_AVAILABLE, name);
      }
    }
  }

  /**
   * The next {@code calls} calls of {@code operation} to the node throw a time-out. Operations are
   * the runtime's method names ("create", "start", "list", ...), or "*" for any. With
   * {@code takeEffect}, a create that times out still creates its container (the case
   * deterministic names exist for).
   */
  public void timeOutNextCalls(String node, String operation, int calls, boolean takeEffect) {
    synchronized (lock) {
      SimulatedNode n = node(node);
      n.timeoutOperation = operation;
      n.timeoutsLeft = calls;
      n.timeoutsTakeEffect = takeEffect;
    }
  }

  /** Stops event delivery and detaches from the clock. Containers stay as they are. */
  @Override
  public void close() {
    clockRegistration.run();
    delivery.shutdownNow();
  }

  // ---- package-private machinery used by SimulatedNode ----

  String nextId() {
    return String.format("sim%06d", nextId++);
  }

  boolean knowsImage(String image) {
    return anyImage || images.containsKey(image);
  }

  SimulatedImage behaviourOf(String image) {
    return images.getOrDefault(image, SimulatedImage.service());
  }

  Subscription subscribe(String node, Consumer<RuntimeEvent> consumer) {
    Listener l = new Listener(node, consumer);
    listeners.add(l);
    return () -> listeners.remove(l);
  }

  /** Caller holds the lock: the container just started; a timed image's exit is now due at some point. */
  void started(SimContainer c) {
    if (c.behaviour.exitAfter().isPresent()) {
      timed.add(c);
    }
  }

  void exit(SimContainer c, int code, boolean oom, String why) {
    timed.remove(c);
    c.state = dev.orchestrator.runtime.ContainerState.EXITED;
    c.exitCode = code;
    c.oomKilled = oom;
    c.finishedAt = clock.instant();
    c.logs.add(why);
    if (oom) {
      emit(RuntimeEvent.Type.OOM_KILLED, c);
    }
    emit(RuntimeEvent.Type.DIED, c);
  }

  void emit(RuntimeEvent.Type type, SimContainer c) {
    checkInvariants();
    deliver(new RuntimeEvent(type, c.node, c.id, c.labels, type == RuntimeEvent.Type.DIED ? c.exitCode : -1, clock.instant()));
  }

  private void checkInvariants() {
    if (invariants.isEmpty()) {
      return;
    }
    List<ContainerInfo> all = new ArrayList<>();
    nodes.values().forEach(n -> n.containers.values().forEach(c -> all.add(c.info())));
    invariants.forEach(check -> check.accept(all));
  }

  private void emitNode(RuntimeEvent.Type type, String node) {
    checkInvariants();
    deliver(new RuntimeEvent(type, node, "", Map.of(), -1, clock.instant()));
  }

  private void deliver(RuntimeEvent event) {
    if (delivery.isShutdown()) {
      return;
    }
    for (Listener l : listeners) {
      if (l.node.equals(event.node())) {
        try {
          delivery.execute(() -> {
            if (listeners.contains(l)) {
              l.consumer.accept(event);
            }
          });
        } catch (java.util.concurrent.RejectedExecutionException closedMeanwhile) {
          return;
        }
      }
    }
  }

  /** Applies timed exits that are due (only timed containers are looked at). Caller holds the lock. */
  void advanceTimers() {
    if (timed.isEmpty()) {
      return;
    }
    var now = clock.instant();
    for (SimContainer c : List.copyOf(timed)) {
      if (!nodes.get(c.node).down && c.running() && !now.isBefore(c.startedAt.plus(c.behaviour.exitAfter().get()))) {
        exit(c, c.behaviour.exitCode(), false, "exited with code " + c.behaviour.exitCode());
      }
    }
  }

  private void onClockAdvance() {
    synchronized (lock) {
      advanceTimers();
    }
  }

  private SimContainer find(String id) {
    for (SimulatedNode n : nodes.values()) {
      SimContainer c = n.containers.get(id);
      if (c != null) {
        return c;
      }
    }
    throw new IllegalArgumentException("no simulated container " + id);
  }

  /** Mutable builder; not thread-safe. */
  public static final class Builder {
    private Clock clock = new ManualClock();
    private long seed = 1;
    private final List<NodeInfo> nodes = new ArrayList<>();
    private final Map<String, SimulatedImage> images = new HashMap<>();
    private boolean anyImage = true;
    private final List<Consumer<List<ContainerInfo>>> invariants = new ArrayList<>();

    private Builder() {}

    /**
     * Runs a check over every container (all nodes, any state) after each change, under the
     * cluster's lock: the way to assert that an invariant holds at every step, not only at the end.
     */
    public Builder invariant(Consumer<List<ContainerInfo>> check) {
      invariants.add(check);
      return this;
    }

    /** The clock (a {@link ManualClock} by default). */
    public Builder clock(Clock clock) {
      this.clock = clock;
      return this;
    }

    /** Seed of the random source behind random faults. */
    public Builder seed(long seed) {
      this.seed = seed;
      return this;
    }

    /** Adds a node with this much allocatable CPU (millicores) and memory (bytes). */
    public Builder node(String name, long cpuMillis, long memoryBytes) {
      return node(name, cpuMillis, memoryBytes, Map.of());
    }

    public Builder node(String name, long cpuMillis, long memoryBytes, Map<String, String> labels) {
      if (nodes.stream().anyMatch(n -> n.name().equals(name))) {
        throw new IllegalArgumentException("node '" + name + "' added twice");
      }
      nodes.add(new NodeInfo(name, cpuMillis, memoryBytes, labels, name));
      return this;
    }

    /** Adds {@code count} identical nodes named {@code prefix-1..count}. */
    public Builder nodes(String prefix, int count, long cpuMillis, long memoryBytes) {
      for (int i = 1; i <= count; i++) {
        node(prefix + "-" + i, cpuMillis, memoryBytes);
      }
      return this;
    }

    /** Registers an image's behaviour. Unregistered images behave as {@link SimulatedImage#service()}. */
    public Builder image(String name, SimulatedImage behaviour) {
      images.put(name, behaviour);
      return this;
    }

    /** Only registered images exist; any other image is "not found" (as without a registry). */
    public Builder onlyRegisteredImages() {
      this.anyImage = false;
      return this;
    }

    public SimulatedCluster build() {
      return new SimulatedCluster(this);
    }
  }

  /** Convenience for tests and tools: advance a manual clock; fails for other clocks. */
  public void advance(Duration d) {
    if (!(clock instanceof ManualClock manual)) {
      throw new IllegalStateException("the cluster's clock is not a ManualClock");
    }
    manual.advance(d);
  }
}
