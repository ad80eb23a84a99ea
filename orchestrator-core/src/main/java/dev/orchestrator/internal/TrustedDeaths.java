package dev.orchestrator.internal;

import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.ContainerState;
import dev.orchestrator.runtime.RuntimeEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Objects;

/**
 * Died and removed events, trusted over a later listing that still shows the container running or
 * present (Docker's listing lags its die event) for {@code trustFor}, unless a start event for the
 * container follows. Not thread-safe: {@link ObservedState} guards it with its lock.
 */
final class TrustedDeaths {
  private final Duration trustFor;
  /** Container id to its died or removed event, oldest first. */
  private final LinkedHashMap<String, Gone> gone = new LinkedHashMap<>();

  private record Gone(boolean removed, int exitCode, boolean oom, Instant at) {}

  TrustedDeaths(Duration trustFor) {
    this.trustFor = trustFor;
  }

  /** Remembers a death or removal, forgets one that a start contradicts, and drops the expired. */
  void record(RuntimeEvent e, Instant now) {
    Instant at = e.time() != null ? e.time() : now;
    switch (e.type()) {
      case DIED -> {
        Gone before = gone.remove(e.containerId());
        gone.put(e.containerId(), new Gone(false, e.exitCode(), before != null && before.oom(), at));
      }
      case OOM_KILLED -> gone.put(e.containerId(), new Gone(false, 137, true, at));
      case REMOVED -> {
        gone.remove(e.containerId());
        gone.put(e.containerId(), new Gone(true, -1, false, now));
      }
      case STARTED -> gone.remove(e.containerId());
      default -> { }
    }
    for (Iterator<Gone> it = gone.values().iterator(); it.hasNext(); ) {
      if (it.next().at().plus(trustFor).isBefore(now)) {
        it.remove();
      } else {
        break;
      }
    }
  }

  /**
   * The listed containers with the remembered events applied: a removed one left out, a died one
   * shown exited. The very same list when no event applies to any of them.
   */
  List<ContainerInfo> apply(List<ContainerInfo> listed) {
    if (gone.isEmpty() || listed.stream().noneMatch(c -> gone.containsKey(c.id()))) {
      return listed;
    }
    List<ContainerInfo> out = new ArrayList<>(listed.size());
    for (ContainerInfo c : listed) {
      Gone g = gone.get(c.id());
      if (g == null) {
        out.add(c);
      } else if (!g.removed()) {
        out.add(c.state() == ContainerState.EXITED ? c : exited(c, g));
      }
    }
    return out;
  }

  private static ContainerInfo exited(ContainerInfo c, Gone g) {
    return new ContainerInfo(c.id(), c.name(), c.node(), c.image(), c.labels(), ContainerState.EXITED, g.exitCode(), g.oom(),
        c.startedAt(), Objects.requireNonNullElse(g.at(), c.finishedAt()), c.ports(), c.networks());
  }
}
