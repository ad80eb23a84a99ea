package dev.orchestrator.internal;

import dev.orchestrator.Subscription;
import dev.orchestrator.event.EventListener;
import dev.orchestrator.event.OrchestratorEvent;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers orchestrator events in order on one thread it owns ("orchestrator-events"), so that
 * listeners never run on a reconcile worker or an engine thread. A failing listener is logged
 * and does not stop delivery to the others.
 */
final class EventBus implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EventBus.class);
  private final List<EventListener> listeners = new CopyOnWriteArrayList<>();
  private final ExecutorService thread = Executors.newSingleThreadExecutor(r -> {
    Thread t = new Thread(r, "orchestrator-events");
    t.setDaemon(true);
    return t;
  });

  Subscription subscribe(EventListener listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  void publish(OrchestratorEvent event) {
    log.debug("{}", event);
    try {
      thread.execute(() -> {
        for (EventListener l : listeners) {
          try {
            l.onEvent(event);
          } catch (RuntimeException e) {
            log.warn("event listener {} failed on {}", l, event, e);
          }
        }
      });
    } catch (RejectedExecutionException e) {
      log.debug("event after close dropped: {}", event);
    }
  }

  @Override
  public void close() {
    thread.shutdown();
  }
}
