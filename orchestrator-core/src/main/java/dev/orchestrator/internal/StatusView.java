package dev.orchestrator.internal;

import dev.orchestrator.OrchestratorException;
import dev.orchestrator.ServiceStatus;
import dev.orchestrator.spec.ServiceSpec;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * What callers read about services: the status of the last pass measured against the current
 * declaration, and blocking waits for readiness that wake whenever a pass or an exit changes it.
 */
final class StatusView {
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
        .filter(r -> r.state() == dev.orchestrator.ReplicaState.READY && r.specHash().equals(spec.specHash())).count();
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
          for (dev.orchestrator.ReplicaStatus r : s.replicas()) {
            if (r.state() == dev.orchestrator.ReplicaState.UNSCHEDULABLE) {
              throw new dev.orchestrator.scheduling.SchedulingException(message, r.replica(), r.lastError());
            }
          }
          throw new OrchestratorException(message + lastLogsOfUnready(s));
        }
        TimeUnit.NANOSECONDS.timedWait(changed, Math.min(left, TimeUnit.MILLISECONDS.toNanos(200)));
      }
    }
  }

  /** The last log lines of every replica that is not ready, for error messages. */
  private String lastLogsOfUnready(ServiceStatus s) {
    StringBuilder out = new StringBuilder();
    for (dev.orchestrator.ReplicaStatus r : s.replicas()) {
      if (r.state() == dev.orchestrator.ReplicaState.READY || r.containerId().isEmpty() || r.node().isEmpty()) {
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
