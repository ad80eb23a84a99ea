package dev.orchestrator.simulation;

import dev.orchestrator.Subscription;
import dev.orchestrator.runtime.ContainerConflictException;
import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.ContainerRequest;
import dev.orchestrator.runtime.ContainerRuntime;
import dev.orchestrator.runtime.ContainerRuntimeException;
import dev.orchestrator.runtime.ContainerStats;
import dev.orchestrator.runtime.ContainerState;
import dev.orchestrator.runtime.ExecResult;
import dev.orchestrator.runtime.ImageNotFoundException;
import dev.orchestrator.runtime.NodeInfo;
import dev.orchestrator.runtime.PublishedPort;
import dev.orchestrator.runtime.RuntimeEvent;
import dev.orchestrator.runtime.SelfProbing;
import dev.orchestrator.spec.HealthCheck;
import dev.orchestrator.spec.PortSpec;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * One node of a {@link SimulatedCluster}: a {@link ContainerRuntime} whose containers are
 * records in memory. Every call first applies the cluster's injected faults for this node (node
 * down, call time-outs) and the clock's due transitions (timed exits).
 *
 * <p>Thread-safe: all state is guarded by the cluster's lock; events are delivered on the
 * cluster's delivery thread.
 */
public final class SimulatedNode implements ContainerRuntime, SelfProbing {
  private final SimulatedCluster cluster;
  private final NodeInfo info;
  final Map<String, SimContainer> containers = new LinkedHashMap<>();
  boolean down;
  int timeoutsLeft;
  String timeoutOperation = "*";
  boolean timeoutsTakeEffect;
  private int nextHostPort = 30000;

  SimulatedNode(SimulatedCluster cluster, NodeInfo info) {
    this.cluster = cluster;
    this.info = info;
  }

  @Override
  public NodeInfo node() {
    return info;
  }

  /** Whether the node is up (not failed by {@link SimulatedCluster#failNode}). */
  public boolean isUp() {
    synchronized (cluster.lock) {
      return !down;
    }
  }

  @Override
  public void ensureImage(String image) {
    synchronized (cluster.lock) {
      enter("ensureImage", image, false);
      if (!cluster.knowsImage(image)) {
        throw new ImageNotFoundException(info.name(), image,
            "image '" + image + "' is not known on node " + info.name() + " and cannot be pulled");
      }
    }
  }

  @Override
  public String create(ContainerRequest request) {
    synchronized (cluster.lock) {
      boolean timeout = enter("create", request.name(), true);
      for (SimContainer c : containers.values()) {
        if (c.name.equals(request.name())) {
          throw new ContainerConflictException(info.name(), c.id,
              "container name '" + request.name() + "' is already used by " + c.id + " on " + info.name());
        }
      }
      String image = request.spec().image();
      if (!cluster.knowsImage(image)) {
        throw new ImageNotFoundException(info.name(), image, "image '" + image + "' is not known on node " + info.name());
      }
      List<PublishedPort> ports = new ArrayList<>();
      for (PortSpec p : request.spec().ports()) {
        int host = p.hostPort() > 0 ? p.hostPort() : nextHostPort++;
        ports.add(new PublishedPort(p.containerPort(), p.protocol().name().toLowerCase(), info.address(), host));
      }
      String id = cluster.nextId();
      SimContainer c = new SimContainer(id, request.name(), info.name(), image, request.labels(), ports, cluster.behaviourOf(image));
      containers.put(id, c);
      cluster.stats.creates++;
      cluster.emit(RuntimeEvent.Type.CREATED, c);
      if (timeout) {
        throw timedOut("create", request.name());
      }
      return id;
    }
  }

  @Override
  public void start(String containerId) {
    synchronized (cluster.lock) {
      enter("start", containerId, false);
      SimContainer c = require(containerId);
      if (c.running()) {
        return;
      }
      c.state = ContainerState.RUNNING;
      c.startedAt = cluster.clock().instant();
      c.finishedAt = null;
      c.exitCode = -1;
      c.oomKilled = false;
      c.logs.add("started");
      cluster.stats.starts++;
      cluster.started(c);
      cluster.emit(RuntimeEvent.Type.STARTED, c);
    }
  }

  @Override
  public void stop(String containerId, Duration grace) {
    synchronized (cluster.lock) {
      enter("stop", containerId, false);
      SimContainer c = containers.get(containerId);
      if (c != null && c.running()) {
        cluster.stats.stops++;
        cluster.exit(c, 143, false, "stopped");
      }
    }
  }

  @Override
  public void remove(String containerId) {
    synchronized (cluster.lock) {
      enter("remove", containerId, false);
      SimContainer c = containers.get(containerId);
      if (c == null) {
        return;
      }
      if (c.running()) {
        cluster.exit(c, 137, false, "killed by remove");
      }
      containers.remove(containerId);
      cluster.stats.removes++;
      cluster.emit(RuntimeEvent.Type.REMOVED, c);
    }
  }

  @Override
  public List<ContainerInfo> list(Map<String, String> labelSelector) {
    synchronized (cluster.lock) {
      enter("list", "", false);
      cluster.stats.lists++;
      List<ContainerInfo> out = new ArrayList<>();
      for (SimContainer c : containers.values()) {
        if (c.labels.entrySet().containsAll(labelSelector.entrySet())) {
          out.add(c.info());
        }
      }
      return out;
    }
  }

  @Override
  public Optional<ContainerInfo> inspect(String containerId) {
    synchronized (cluster.lock) {
      enter("inspect", containerId, false);
      SimContainer c = containers.get(containerId);
      return c == null ? Optional.empty() : Optional.of(c.info());
    }
  }

  @Override
  public Subscription subscribe(Consumer<RuntimeEvent> listener) {
    return cluster.subscribe(info.name(), listener);
  }

  @Override
  public ContainerStats stats(String containerId) {
    synchronized (cluster.lock) {
      enter("stats", containerId, false);
      SimContainer c = require(containerId);
      return new ContainerStats(c.cpuMillis, c.memoryBytes, 0, cluster.clock().instant());
    }
  }

  @Override
  public List<String> logs(String containerId, int tailLines) {
    synchronized (cluster.lock) {
      enter("logs", containerId, false);
      SimContainer c = require(containerId);
      return List.copyOf(c.logs.subList(Math.max(0, c.logs.size() - tailLines), c.logs.size()));
    }
  }

  @Override
  public ExecResult exec(String containerId, List<String> command, Duration timeout) {
    synchronized (cluster.lock) {
      enter("exec", containerId, false);
      SimContainer c = require(containerId);
      if (!c.running()) {
        throw new ContainerRuntimeException(info.name(), containerId, "container " + containerId + " is not running");
      }
      return SimShell.run(command);
    }
  }

  @Override
  public boolean probe(String containerId, HealthCheck check, Purpose purpose) {
    synchronized (cluster.lock) {
      enter("probe", containerId, false);
      SimContainer c = containers.get(containerId);
      if (c == null || !c.running()) {
        return false;
      }
      boolean warm = !cluster.clock().instant().isBefore(c.startedAt.plus(c.behaviour.readyAfter()));
      return warm && (purpose == Purpose.LIVENESS ? c.live : c.ready && c.live);
    }
  }

  /** False: every call answers from memory at once (a simulated time-out is thrown, not waited for). */
  @Override
  public boolean mayBlock() {
    return false;
  }

  /** Does nothing: the cluster owns the simulator's threads. */
  @Override
  public void close() {}

  /** Applies faults and due transitions; returns true if this call must time out after taking effect. */
  private boolean enter(String op, String resource, boolean mayTakeEffect) {
    cluster.advanceTimers();
    if (down) {
      throw new dev.orchestrator.runtime.NodeUnavailableException(info.name(), resource,
          "node " + info.name() + " is unavailable (" + op + ")");
    }
    if (timeoutsLeft > 0 && (timeoutOperation.equals("*") || timeoutOperation.equals(op))) {
      timeoutsLeft--;
      if (mayTakeEffect && timeoutsTakeEffect) {
        return true;
      }
      throw timedOut(op, resource);
    }
    return false;
  }

  private ContainerRuntimeException timedOut(String op, String resource) {
    return new dev.orchestrator.runtime.RuntimeTimeoutException(info.name(), resource,
        op + " on node " + info.name() + " did not answer in time (simulated)");
  }

  private SimContainer require(String id) {
    SimContainer c = containers.get(id);
    if (c == null) {
      throw new ContainerRuntimeException(info.name(), id, "no container " + id + " on node " + info.name());
    }
    return c;
  }
}
