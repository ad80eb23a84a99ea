package dev.orchestrator.internal;

import dev.orchestrator.ReplicaState;
import dev.orchestrator.event.OrchestratorEvent;
import dev.orchestrator.runtime.OwnerLabels;
import dev.orchestrator.runtime.RuntimeEvent;
import java.time.Clock;
import java.util.Locale;
import java.util.Map;
import java.util.function.Consumer;

/**
 * What the control plane does with a runtime event: the observed state hears of it first; a
 * container this instance owns that died, was OOM-killed or was removed marks its replica down at
 * once (waking status waiters) and its service is queued; a node's availability is published as an
 * {@link OrchestratorEvent.NodeAvailability}; and when capacity may have changed (a node came or
 * went, a container died or was removed) the services waiting for room are queued again, every
 * service after a node-level event. It also owns that last rule for a node uncordoned.
 *
 * <p>Called on each runtime's event thread, several at once with several nodes. It keeps no state:
 * the observed state, the books (markDown is synchronized, the status volatile), the event bus and
 * the queue it writes to each guard themselves.
 */
final class RuntimeEventHandler {
  private final String instanceId;
  private final ObservedState observed;
  private final Map<String, ServiceBook> books;
  private final StatusView statusView;
  private final EventBus events;
  private final Clock clock;
  private final Consumer<String> enqueue;

  RuntimeEventHandler(String instanceId, ObservedState observed, Map<String, ServiceBook> books, StatusView statusView,
      EventBus events, Clock clock, Consumer<String> enqueue) {
    this.instanceId = instanceId;
    this.observed = observed;
    this.books = books;
    this.statusView = statusView;
    this.events = events;
    this.clock = clock;
    this.enqueue = enqueue;
  }

  void onEvent(RuntimeEvent e) {
    observed.onEvent(e);
    String owner = e.labels().get(OwnerLabels.INSTANCE);
    String service = e.labels().get(OwnerLabels.SERVICE);
    if (instanceId.equals(owner) && service != null) {
      boolean gone = e.type() == RuntimeEvent.Type.DIED || e.type() == RuntimeEvent.Type.OOM_KILLED
          || e.type() == RuntimeEvent.Type.REMOVED;
      ServiceBook book = books.get(service);
      if (gone && book != null) {
        book.markDown(e.containerId(), "container " + e.type().name().toLowerCase(Locale.ROOT).replace('_', ' '));
        statusView.changed();
      }
      enqueue.accept(service);
    }
    if (e.type() == RuntimeEvent.Type.NODE_AVAILABLE || e.type() == RuntimeEvent.Type.NODE_UNAVAILABLE) {
      events.publish(new OrchestratorEvent.NodeAvailability(e.time() != null ? e.time() : clock.instant(), "", e.node(),
          e.type() == RuntimeEvent.Type.NODE_AVAILABLE));
    }
    boolean capacityChanged = e.type() == RuntimeEvent.Type.NODE_AVAILABLE || e.type() == RuntimeEvent.Type.NODE_UNAVAILABLE
        || e.type() == RuntimeEvent.Type.REMOVED || e.type() == RuntimeEvent.Type.DIED;
    if (capacityChanged) {
      books.forEach((name, book) -> {
        if (waitingForRoom(book) || e.containerId().isEmpty()) {
          enqueue.accept(name);
        }
      });
    }
  }

  /** Queues every service with a replica that found no node; for a node that takes replicas again. */
  void retryUnschedulable() {
    books.forEach((name, book) -> {
      if (waitingForRoom(book)) {
        enqueue.accept(name);
      }
    });
  }

  private static boolean waitingForRoom(ServiceBook book) {
    return book.status().replicas().stream().anyMatch(r -> r.state() == ReplicaState.UNSCHEDULABLE);
  }
}
