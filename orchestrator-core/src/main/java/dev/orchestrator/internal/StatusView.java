package dev.orchestrator.internal;

import dev.orchestrator.OrchestratorException;
import dev.orchestrator.ReplicaState;
import dev.orchestrator.ReplicaStatus;
import dev.orchestrator.ServiceStatus;
import dev.orchestrator.runtime.ContainerStats;
import dev.orchestrator.runtime.NodeUnavailableException;
import dev.orchestrator.runtime.RuntimeTimeoutException;
import dev.orchestrator.scheduling.SchedulingException;
import dev.orchestrator.spec.ServiceSpec;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What callers read about services: the status of the last pass measured against the current
 * declaration, blocking waits for readiness that wake whenever a pass or an exit changes it, the
 * current usage of running replicas (read from their nodes) and the replica counts the metrics
 * gauges show. Thread-safe: it reads published statuses (immutable values) and the concurrent
 * desired state; waiters sleep on one monitor that {@link #changed()} notifies.
 */
final class StatusView {
  private static final Logger log = LoggerFactory.getLogger(StatusView.class);
  private final DesiredState desired;
  private final Map<String, ServiceBook> books;
  private final Cluster cluster;
  private final Object changed = new Object();

  StatusView(DesiredState desired, Map<String, ServiceBook> books, Cluster cluster) {
    this.desired = desired;
    this.books = books;
    this.cluster = cluster;
  }

  /** Wakes every waiter; called after a pass and when a replica's exit is seen. */
  void changed() {
    synchronized (changed) {
      changed.notifyAll();
    }
  }

  /**
   * The last pass's view of the service, measured against the current declaration: a spec or
   * replica count applied since that pass shows as not ready until a pass has caught up.
   */
  public ServiceStatus status(String service) {
    ServiceSpec spec = desired.service(service);
    ServiceBook book = books.get(service);
    if (book == null) {
      return new ServiceStatus(service, spec == null ? "" : spec.specHash(), spec == null ? 0 : spec.replicas(), 0, 0, List.of(), "");
    }
    ServiceStatus s = book.status();
    if (spec == null || (s.desiredReplicas() == spec.replicas() && s.specHash().equals(spec.specHash()))) {
      return s;
    }
    int updated = (int) s.replicas().stream()
        .filter(r -> r.state() == ReplicaState.READY && r.specHash().equals(spec.specHash())).count();
    return new ServiceStatus(service, spec.specHash(), spec.replicas(), s.readyReplicas(), updated, s.replicas(), s.lastError(), s.rollout());
  }

  /** Blocks until the service is ready (every replica ready on the declared spec) or the timeout passes. */
  public ServiceStatus awaitReady(String service, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    synchronized (changed) {
      while (true) {
        ServiceStatus s = status(service);
        ServiceSpec spec = desired.service(service);
        if (spec != null && s.isReady() && s.specHash().equals(spec.specHash()) && s.desiredReplicas() == spec.replicas()
            && s.replicas().size() == spec.replicas()) {
          return s;
        }
        long left = deadline - System.nanoTime();
        if (left <= 0) {
          String message = "service '" + service + "' not ready within " + timeout.toMillis() + " ms: " + s;
          for (ReplicaStatus r : s.replicas()) {
            if (r.state() == ReplicaState.UNSCHEDULABLE) {
              throw new SchedulingException(message, r.replica(), r.lastError());
            }
          }
          throw new OrchestratorException(message + lastLogsOfUnready(s));
        }
        TimeUnit.NANOSECONDS.timedWait(changed, Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
      }
    }
  }

  /**
   * Current usage of the service's running replicas (starting, ready or unready), by replica
   * name, each read from its node under the call timeout. A replica whose stats fail is left out;
   * after a node times out or is unavailable, the rest of its replicas are left out of this call.
   */
  Map<String, ContainerStats> usage(String service) {
    Map<String, ContainerStats> out = new TreeMap<>();
    Set<String> failedNodes = new HashSet<>();
    for (ReplicaStatus r : status(service).replicas()) {
      boolean running = r.state() == ReplicaState.STARTING || r.state() == ReplicaState.READY || r.state() == ReplicaState.UNREADY;
      if (!running || r.containerId().isEmpty() || r.node().isEmpty() || failedNodes.contains(r.node())) {
        continue;
      }
      try {
        Node n = cluster.node(r.node());
        out.put(r.replica(), n.call("stats", r.containerId(), () -> n.runtime().stats(r.containerId())));
      } catch (RuntimeTimeoutException | NodeUnavailableException e) {
        log.debug("node {} gave no stats for {}: {}", r.node(), r.replica(), e.getMessage());
        failedNodes.add(r.node());
      } catch (RuntimeException e) {
        log.debug("no stats for {} on {}: {}", r.replica(), r.node(), e.getMessage());
      }
    }
    return out;
  }

  /** Replicas of every service in the state (a {@link ReplicaState} name), or "desired" or "ready": a metrics gauge. */
  int replicasIn(String state) {
    int n = 0;
    for (ServiceBook b : books.values()) {
      ServiceStatus s = b.status();
      n += switch (state) {
        case "desired" -> s.desiredReplicas();
        case "ready" -> s.readyReplicas();
        default -> (int) s.replicas().stream().filter(r -> r.state().name().equalsIgnoreCase(state)).count();
      };
    }
    return n;
  }

  /** The last log lines of every replica that is not ready, for error messages. */
  private String lastLogsOfUnready(ServiceStatus s) {
    StringBuilder out = new StringBuilder();
    for (ReplicaStatus r : s.replicas()) {
      if (r.state() == ReplicaState.READY || r.containerId().isEmpty() || r.node().isEmpty()) {
        continue;
      }
      try {
        Node n = cluster.node(r.node());
        List<String> lines = n.call("logs", r.containerId(), () -> n.runtime().logs(r.containerId(), 10));
        out.append("\n  last output of ").append(r.replica()).append(':');
        lines.forEach(l -> out.append("\n    ").append(l));
      } catch (RuntimeException e) {
        out.append("\n  no output of ").append(r.replica()).append(": ").append(e.getMessage());
      }
    }
    return out.toString();
  }
}
