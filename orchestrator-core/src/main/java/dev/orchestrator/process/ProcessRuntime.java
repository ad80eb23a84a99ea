package dev.orchestrator.process;

import dev.orchestrator.Subscription;
import dev.orchestrator.runtime.ContainerConflictException;
import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.ContainerRequest;
import dev.orchestrator.runtime.ContainerRuntime;
import dev.orchestrator.runtime.ContainerRuntimeException;
import dev.orchestrator.runtime.ContainerState;
import dev.orchestrator.runtime.ContainerStats;
import dev.orchestrator.runtime.ExecResult;
import dev.orchestrator.runtime.NodeInfo;
import dev.orchestrator.runtime.RuntimeEvent;
import dev.orchestrator.runtime.RuntimeTimeoutException;
import dev.orchestrator.spec.PortSpec;
import dev.orchestrator.spec.ServiceSpec;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;

/**
 * A {@link ContainerRuntime} whose "containers" are local OS processes: the embedded default for
 * machines without Docker, like Nomad's exec driver. An image names an entrypoint argv
 * (registered with {@link Builder#image}, or an absolute path to an executable); the spec's
 * command is appended to it. There is no isolation: processes inherit the JVM's environment
 * (plus the spec's env, {@code PORT}, {@code PORT_<NAME>} and
 * {@code ORCHESTRATOR_CONTAINER_NAME}), share the host network (a process must listen on its
 * {@code PORT} variables; container ports are identifiers only), and resource limits and mounts
 * are not applied.
 *
 * <p>Every container has a directory under the state directory holding its
 * {@code state.properties}, its {@code output.log} (stdout and stderr, appended) and, unless the
 * spec names a working directory, its {@code work} directory. A new runtime on the same state
 * directory re-adopts them: a recorded process that is still alive with the same OS start time
 * is RUNNING again (its exit is then detected by polling and its exit code is unknown, -1),
 * anything else is EXITED.
 *
 * <p>Threads: callers run every operation on their own thread; the JDK's process reaper
 * completes {@link Process#onExit()} for started processes; one runtime-owned daemon thread
 * polls adopted processes and one delivers events (listeners never run on a caller's thread; one that throws is logged). State lives in
 * a {@link ConcurrentHashMap} of per-container objects, each guarding its run state with its
 * own monitor; name reservation is atomic through a second map, and port allocation holds a
 * single lock. Blocking calls (stop and remove waiting for exits, exec) are bounded by the call
 * timeout, plus the grace period for stop and the caller's timeout for exec.
 * {@link #close()} stops the runtime's threads and leaves processes running.
 */
public final class ProcessRuntime implements ContainerRuntime {
  static final String CONTAINERS_DIR = "containers";

  private final NodeInfo node;
  private final Map<String, List<String>> images;
  private final Path containersDir;
  private final InetAddress hostAddress;
  private final Duration callTimeout;
  private final Clock clock;
  private final EventDispatcher events;
  private final AdoptedProcesses adopted;
  private final ConcurrentHashMap<String, ProcessContainer> containers = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, String> idsByName = new ConcurrentHashMap<>();
  private final Object portLock = new Object();
  private volatile boolean closed;

  private ProcessRuntime(Builder b, NodeInfo node, InetAddress hostAddress) {
    this.node = node;
    this.images = Map.copyOf(b.images);
    this.containersDir = b.stateDirectory.resolve(CONTAINERS_DIR);
    this.hostAddress = hostAddress;
    this.callTimeout = b.callTimeout;
    this.clock = b.clock;
    this.events = new EventDispatcher(node.name());
    this.adopted = new AdoptedProcesses(node.name());
    try {
      Files.createDirectories(containersDir);
      for (StateFile.Loaded loaded : AdoptedProcesses.load(containersDir)) {
        adopt(loaded);
      }
    } catch (IOException | RuntimeException e) {
      close();
      throw new ContainerRuntimeException(node.name(), "", "cannot use state directory " + containersDir + ": " + e, e);
    }
  }

  /** Starts configuring a process runtime. */
  public static Builder builder() {
    return new Builder();
  }

  @Override
  public NodeInfo node() {
    return node;
  }

  @Override
  public void ensureImage(String image) {
    entrypoint(image);
  }

  @Override
  public String create(ContainerRequest request) {
    ensureOpen();
    ServiceSpec spec = request.spec();
    List<String> entrypoint = entrypoint(spec.image());
    String id = UUID.randomUUID().toString().replace("-", "").substring(0, 16);
    String taken = idsByName.putIfAbsent(request.name(), id);
    if (taken != null) {
      throw new ContainerConflictException(node.name(), taken, "container name '" + request.name() + "' is taken by " + taken + " on node " + node.name());
    }
    Path dir = containersDir.resolve(id);
    ProcessContainer container;
    try {
      synchronized (portLock) {
        List<PortSpec> ports = Ports.allocate(spec.ports(), hostAddress, portsInUse(), node.name(), request.name());
        Files.createDirectories(dir.resolve("work"));
        ContainerDefinition def = ContainerDefinition.of(id, request, entrypoint, ports, dir.resolve("work"), clock.instant());
        container = new ProcessContainer(def, dir, RunState.CREATED);
        container.persist();
        containers.put(id, container);
      }
    } catch (IOException | RuntimeException e) {
      idsByName.remove(request.name(), id);
      StateDirs.deleteQuietly(dir);
      throw e instanceof ContainerRuntimeException cre
          ? cre
          : new ContainerRuntimeException(node.name(), request.name(), "cannot create " + request.name() + ": " + e, e);
    }
    publish(RuntimeEvent.Type.CREATED, container, -1);
    return id;
  }

  @Override
  public void start(String containerId) {
    ensureOpen();
    ProcessContainer c = require(containerId);
    ContainerDefinition def = c.definition();
    Process process;
    int gen;
    synchronized (c) {
      if (c.removed()) {
        throw new ContainerRuntimeException(node.name(), containerId, "container " + containerId + " was removed");
      }
      if (c.runningHandle() != null) {
        return;
      }
      try {
        process = c.processBuilder().start();
      } catch (IOException e) {
        StateDirs.appendQuietly(c.logFile(), "orchestrator: cannot start " + def.argv() + ": " + e.getMessage());
        throw new ContainerRuntimeException(node.name(), containerId, "cannot start " + def.name() + " " + def.argv() + ": " + e.getMessage(), e);
      }
      gen = c.markRunning(process.toHandle(), clock.instant());
      persist(c);
    }
    publish(RuntimeEvent.Type.STARTED, c, -1);
    process.onExit().whenComplete((p, err) -> exited(c, gen, p == null ? -1 : p.exitValue()));
  }

  /**
   * SIGTERM to the process and its descendants, SIGKILL to whatever is left after {@code grace};
   * returns once the exit is recorded, within {@code grace} plus the call timeout.
   */
  @Override
  public void stop(String containerId, Duration grace) {
    ensureOpen();
    ProcessContainer c = containers.get(containerId);
    ProcessHandle handle = c == null ? null : c.runningHandle();
    if (handle == null) {
      return;
    }
    if (!ProcessTree.terminate(handle, grace, callTimeout)) {
      throw new RuntimeTimeoutException(node.name(), containerId, "processes of " + containerId + " survived SIGKILL for " + callTimeout);
    }
    c.awaitExit(callTimeout, node.name());
  }

  /** SIGKILL to the process tree if it runs, then deletes the container's directory, log included. */
  @Override
  public void remove(String containerId) {
    ensureOpen();
    ProcessContainer c = containers.get(containerId);
    if (c == null) {
      return;
    }
    ProcessHandle handle = c.markRemoved();
    if (handle != null) {
      if (!ProcessTree.kill(handle, callTimeout)) {
        throw new RuntimeTimeoutException(node.name(), containerId, "processes of " + containerId + " survived SIGKILL for " + callTimeout);
      }
      c.awaitExit(callTimeout, node.name());
    }
    containers.remove(containerId, c);
    idsByName.remove(c.definition().name(), containerId);
    try {
      StateDirs.delete(c.dir());
    } catch (IOException e) {
      throw new ContainerRuntimeException(node.name(), containerId, "removed " + containerId + " but could not delete " + c.dir() + ": " + e, e);
    }
    publish(RuntimeEvent.Type.REMOVED, c, -1);
  }

  @Override
  public List<ContainerInfo> list(Map<String, String> labelSelector) {
    return containers.values().stream()
        .filter(c -> c.definition().labels().entrySet().containsAll(labelSelector.entrySet()))
        .map(c -> c.info(node.name(), node.address()))
        .toList();
  }

  @Override
  public Optional<ContainerInfo> inspect(String containerId) {
    return Optional.ofNullable(containers.get(containerId)).map(c -> c.info(node.name(), node.address()));
  }

  @Override
  public Subscription subscribe(Consumer<RuntimeEvent> listener) {
    return events.subscribe(listener);
  }

  /** CPU from the process tree's total CPU time, memory from the tree's VmRSS; zeros unless running. */
  @Override
  public ContainerStats stats(String containerId) {
    ProcessContainer c = require(containerId);
    ProcessHandle handle = c.runningHandle();
    if (handle == null) {
      return new ContainerStats(0, 0, 0, clock.instant());
    }
    long cpuNanos = ProcessTree.cpuNanos(handle);
    long memory = ProcessTree.rssBytes(handle);
    long cpuMillis = c.cpuMillis(cpuNanos, System.nanoTime(), clock.instant());
    return new ContainerStats(cpuMillis, memory, cpuNanos, clock.instant());
  }

  /** The last lines of the container's log file (stdout and stderr interleaved); none for {@code tailLines <= 0}. */
  @Override
  public List<String> logs(String containerId, int tailLines) {
    ProcessContainer c = require(containerId);
    try {
      return LogTail.read(c.logFile(), tailLines);
    } catch (IOException e) {
      throw new ContainerRuntimeException(node.name(), containerId, "cannot read the log of " + containerId + ": " + e, e);
    }
  }

  /**
   * Runs {@code command} as a separate process with the container's environment and working
   * directory. When it outlives {@code timeout} its process tree is killed and
   * {@link RuntimeTimeoutException} is thrown.
   */
  @Override
  public ExecResult exec(String containerId, List<String> command, Duration timeout) {
    ensureOpen();
    ProcessContainer c = require(containerId);
    if (c.runningHandle() == null) {
      throw new ContainerRuntimeException(node.name(), containerId, "container " + containerId + " is not running");
    }
    return ExecRunner.run(node.name(), c, command, timeout);
  }

  /**
   * Stops event delivery and polling; container processes keep running. A closed runtime no
   * longer records exits (a new runtime on the same state directory owns the files) and refuses
   * to create, start, stop, remove or exec; it still answers inspect and list from memory.
   */
  @Override
  public void close() {
    closed = true;
    adopted.close();
    events.close();
  }

  private void adopt(StateFile.Loaded loaded) throws IOException {
    ContainerDefinition def = loaded.definition();
    Path dir = containersDir.resolve(def.id());
    ProcessContainer c = new ProcessContainer(def, dir, loaded.run());
    if (loaded.run().state() == ContainerState.RUNNING) {
      Optional<ProcessHandle> alive = AdoptedProcesses.stillRunning(loaded.run());
      int gen = c.adopt(alive.orElse(null));
      if (alive.isPresent()) {
        adopted.watch(alive.get(), () -> exited(c, gen, -1));
      } else {
        c.markExited(gen, -1, clock.instant());
        c.persist();
      }
    }
    containers.put(def.id(), c);
    idsByName.put(def.name(), def.id());
  }

  private void exited(ProcessContainer c, int gen, int exitCode) {
    if (!closed && c.markExited(gen, exitCode, clock.instant())) {
      persist(c);
      publish(RuntimeEvent.Type.DIED, c, exitCode);
    }
  }

  private void persist(ProcessContainer c) {
    try {
      c.persist();
    } catch (IOException e) {
      StateDirs.log.warn("cannot write the state of {} in {}", c.definition().id(), c.dir(), e);
    }
  }

  private void publish(RuntimeEvent.Type type, ProcessContainer c, int exitCode) {
    events.publish(new RuntimeEvent(type, node.name(), c.definition().id(), c.definition().labels(), exitCode, clock.instant()));
  }

  private void ensureOpen() {
    if (closed) {
      throw new ContainerRuntimeException(node.name(), "", "the process runtime of node " + node.name() + " is closed");
    }
  }

  private ProcessContainer require(String containerId) {
    ProcessContainer c = containers.get(containerId);
    if (c == null) {
      throw new ContainerRuntimeException(node.name(), containerId, "no container " + containerId + " on node " + node.name());
    }
    return c;
  }

  private List<String> entrypoint(String image) {
    return Images.entrypoint(images, image, node.name());
  }

  private Set<Integer> portsInUse() {
    Set<Integer> used = new HashSet<>();
    containers.values().forEach(c -> c.definition().ports().forEach(p -> used.add(p.hostPort())));
    return used;
  }

  /** Configures a {@link ProcessRuntime}; not thread-safe. */
  public static final class Builder {
    private String nodeName = "local";
    private Map<String, String> nodeLabels = Map.of();
    private long cpuMillis;
    private long memoryBytes;
    private Path stateDirectory;
    private final Map<String, List<String>> images = new LinkedHashMap<>();
    private String hostAddress = "127.0.0.1";
    private Duration callTimeout = Duration.ofSeconds(10);
    private Clock clock = Clock.systemUTC();

    private Builder() {}

    /** The node's name; default {@code local}. */
    public Builder nodeName(String name) {
      this.nodeName = Objects.requireNonNull(name, "nodeName");
      return this;
    }

    public Builder nodeLabels(Map<String, String> labels) {
      this.nodeLabels = Map.copyOf(labels);
      return this;
    }

    /** Allocatable capacity; default all processors (1000 millicores each) and the physical memory. */
    public Builder capacity(long cpuMillis, long memoryBytes) {
      if (cpuMillis <= 0 || memoryBytes <= 0) {
        throw new IllegalArgumentException("capacity must be positive: " + cpuMillis + " millicores, " + memoryBytes + " bytes");
      }
      this.cpuMillis = cpuMillis;
      this.memoryBytes = memoryBytes;
      return this;
    }

    /** Where container state and logs live; default {@code <java.io.tmpdir>/orchestrator-process-<node>}. */
    public Builder stateDirectory(Path dir) {
      this.stateDirectory = Objects.requireNonNull(dir, "stateDirectory");
      return this;
    }

    /** Registers an image: containers of it run {@code entrypoint} followed by the spec's command. */
    public Builder image(String name, List<String> entrypoint) {
      if (entrypoint.isEmpty()) {
        throw new IllegalArgumentException("image " + name + " needs a non-empty entrypoint");
      }
      images.put(Objects.requireNonNull(name, "image name"), List.copyOf(entrypoint));
      return this;
    }

    /** The address ports are allocated on and published as; default {@code 127.0.0.1}. */
    public Builder hostAddress(String address) {
      this.hostAddress = Objects.requireNonNull(address, "hostAddress");
      return this;
    }

    /** Bound of every blocking call beyond a stop's grace period; default 10 s. */
    public Builder callTimeout(Duration timeout) {
      if (timeout.isNegative() || timeout.isZero()) {
        throw new IllegalArgumentException("callTimeout must be positive: " + timeout);
      }
      this.callTimeout = timeout;
      return this;
    }

    /** The clock of timestamps (created, started, finished, events); default system UTC. */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Builds the runtime and re-adopts the containers found in its state directory. */
    public ProcessRuntime build() {
      InetAddress address;
      try {
        address = InetAddress.getByName(hostAddress);
      } catch (UnknownHostException e) {
        throw new IllegalArgumentException("unknown host address " + hostAddress, e);
      }
      if (stateDirectory == null) {
        stateDirectory = Path.of(System.getProperty("java.io.tmpdir"), "orchestrator-process-" + nodeName);
      }
      long cpu = cpuMillis > 0 ? cpuMillis : Runtime.getRuntime().availableProcessors() * 1000L;
      long memory = memoryBytes > 0 ? memoryBytes : physicalMemory();
      return new ProcessRuntime(this, new NodeInfo(nodeName, cpu, memory, nodeLabels, hostAddress), address);
    }

    private static long physicalMemory() {
      if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os
          && os.getTotalMemorySize() > 0) {
        return os.getTotalMemorySize();
      }
      return Runtime.getRuntime().maxMemory();
    }
  }
}
