package dev.orchestrator.bench;

import dev.orchestrator.event.EventListener;
import dev.orchestrator.event.OrchestratorEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Records when (System.nanoTime on receipt) each orchestrator event of a replica arrived, so that
 * a benchmark can wait for "the first ReplicaReady of web-3 after t0".
 */
final class EventTimes implements EventListener {
  private final Map<String, List<long[]>> times = new HashMap<>();
  private final List<String> failures = new ArrayList<>();

  @Override
  public synchronized void onEvent(OrchestratorEvent e) {
    long now = System.nanoTime();
    String replica = null;
    if (e instanceof OrchestratorEvent.ReplicaScheduled s) {
      replica = s.replica();
    } else if (e instanceof OrchestratorEvent.ReplicaStarted s) {
      replica = s.replica();
    } else if (e instanceof OrchestratorEvent.ReplicaReady r) {
      replica = r.replica();
    } else if (e instanceof OrchestratorEvent.ReplicaFailed f) {
      replica = f.replica();
    } else if (e instanceof OrchestratorEvent.ReplicaRemoved r) {
      replica = r.replica();
    } else if (e instanceof OrchestratorEvent.ReconcileFailed f) {
      failures.add(f.error());
    }
    if (replica != null) {
      times.computeIfAbsent(e.getClass().getSimpleName() + "/" + replica, k -> new ArrayList<>()).add(new long[] {now});
      notifyAll();
    }
  }

  /** The first time after {@code after} that an event of this type arrived for the replica; waits up to timeout. */
  synchronized long await(Class<? extends OrchestratorEvent> type, String replica, long after, Duration timeout)
      throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    String key = type.getSimpleName() + "/" + replica;
    while (true) {
      for (long[] t : times.getOrDefault(key, List.of())) {
        if (t[0] >= after) {
          return t[0];
        }
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        throw new IllegalStateException("no " + key + " within " + timeout + "; reconcile failures: " + failures);
      }
      wait(Math.max(1, left / 1_000_000));
    }
  }

  /** Like {@link #await} but without waiting: -1 when none arrived. */
  synchronized long first(Class<? extends OrchestratorEvent> type, String replica, long after) {
    for (long[] t : times.getOrDefault(type.getSimpleName() + "/" + replica, List.of())) {
      if (t[0] >= after) {
        return t[0];
      }
    }
    return -1;
  }

  /** Every arrival of this event type (any replica) after {@code after}. */
  synchronized List<Long> all(Class<? extends OrchestratorEvent> type, long after) {
    List<Long> out = new ArrayList<>();
    String prefix = type.getSimpleName() + "/";
    times.forEach((k, v) -> {
      if (k.startsWith(prefix)) {
        v.stream().filter(t -> t[0] >= after).forEach(t -> out.add(t[0]));
      }
    });
    out.sort(null);
    return out;
  }

  synchronized List<String> failures() {
    return List.copyOf(failures);
  }
}
