package dev.orchestrator.internal;

import dev.orchestrator.ReplicaState;
import dev.orchestrator.ReplicaStatus;
import dev.orchestrator.RolloutStatus;
import dev.orchestrator.ServiceStatus;
import dev.orchestrator.spec.ServiceSpec;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The reconciler's memory of one service: what it announced, per-slot failure bookkeeping, and
 * the last status it computed. Mutable fields are touched only by the thread reconciling the
 * service (the work queue never runs one key on two threads); the published {@link #status()}
 * is an immutable value read by anyone.
 */
final class ServiceBook {
  final String service;
  final Map<Integer, SlotRecord> slots = new TreeMap<>();
  /** The last spec reconciled, kept to release its networks and volumes after deletion. */
  ServiceSpec lastSpec;
  /** When each running container was first seen ready (what {@code minReady} is measured from). */
  final Map<String, Instant> readySince = new HashMap<>();
  /** The service's rollout; shared with API calls (thread-safe). */
  final Rollout rollout;
  private volatile ServiceStatus status;

  /** Bookkeeping of one slot; owned by the reconciling thread. */
  static final class SlotRecord {
    final int slot;
    long generation = -1;
    String registeredContainer = "";
    String readyAnnouncedFor = "";
    String failureRecordedFor = "";
    /** When the failure of {@link #failureRecordedFor} was first seen: the backoff's start if the runtime has no exit time. */
    Instant failureRecordedAt = Instant.EPOCH;
    String restartAnnouncedFor = "";
    String livenessFailedFor = "";
    String unschedulable = "";
    String unreadyContainer = "";
    /** Node a create timed out on: the next attempt goes there, so a late create is found, not duplicated. */
    String pinnedNode = "";
    int restarts;
    int lastExitCode = -1;
    String lastError = "";
    ReplicaStatus status;

    SlotRecord(int slot) {
      this.slot = slot;
    }
  }

  ServiceBook(String service) {
    this.service = service;
    this.rollout = new Rollout(service);
    this.status = new ServiceStatus(service, "", 0, 0, 0, List.of(), "");
  }

  SlotRecord slot(int slot) {
    return slots.computeIfAbsent(slot, SlotRecord::new);
  }

  ServiceStatus status() {
    return status;
  }

  /** Publishes a status built from the slot records below {@code replicas}. */
  synchronized void publish(ServiceSpec spec, String lastError) {
    int desired = spec == null ? 0 : spec.replicas();
    String hash = spec == null ? "" : spec.specHash();
    List<ReplicaStatus> replicas = new ArrayList<>();
    int ready = 0;
    int updated = 0;
    for (SlotRecord r : slots.values()) {
      if (r.slot >= desired || r.status == null) {
        continue;
      }
      replicas.add(r.status);
      if (r.status.state() == ReplicaState.READY) {
        ready++;
        if (r.status.specHash().equals(hash)) {
          updated++;
        }
      }
    }
    slots.keySet().removeIf(slot -> slot >= desired);
    status = new ServiceStatus(service, hash, desired, ready, updated, replicas, lastError == null ? "" : lastError,
        spec == null ? RolloutStatus.none("") : rollout.status());
  }

  /**
   * Takes a replica whose container just died out of the published status at once, before the
   * next pass looks at it, so that nobody reads "ready" for a dead container. Called on the
   * runtime's event thread.
   */
  synchronized void markDown(String containerId, String why) {
    ServiceStatus s = status;
    List<ReplicaStatus> replicas = new ArrayList<>();
    int ready = s.readyReplicas();
    int updated = s.updatedReplicas();
    boolean changed = false;
    for (ReplicaStatus r : s.replicas()) {
      if (r.containerId().equals(containerId) && r.state() == ReplicaState.READY) {
        changed = true;
        ready--;
        updated -= r.specHash().equals(s.specHash()) ? 1 : 0;
        replicas.add(new ReplicaStatus(r.replica(), r.slot(), ReplicaState.PENDING, r.node(), r.containerId(), r.specHash(),
            r.restarts(), r.lastExitCode(), why));
      } else {
        replicas.add(r);
      }
    }
    if (changed) {
      status = new ServiceStatus(s.service(), s.specHash(), s.desiredReplicas(), ready, updated, replicas, s.lastError(), s.rollout());
    }
  }

  /** Records a failed pass without touching replica statuses. */
  synchronized void publishError(String error) {
    ServiceStatus s = status;
    status = new ServiceStatus(s.service(), s.specHash(), s.desiredReplicas(), s.readyReplicas(), s.updatedReplicas(), s.replicas(), error,
        s.rollout());
  }
}
