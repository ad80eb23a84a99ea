package dev.orchestrator.process;

import dev.orchestrator.Subscription;
import dev.orchestrator.runtime.RuntimeEvent;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Delivers runtime events to subscribers on one thread it owns, in publication order. Publishers
 * (callers, the JDK's process reaper threads) only enqueue; a listener that throws is logged and
 * keeps its subscription. A subscription closed while a delivery to it is in flight may see that
 * one event, none after.
 */
final class EventDispatcher implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EventDispatcher.class);

  private final List<Listener> listeners = new CopyOnWriteArrayList<>();
  private final ExecutorService thread;

  EventDispatcher(String node) {
    this.thread = Executors.newSingleThreadExecutor(r -> {
      Thread t = new Thread(r, "process-runtime-events-" + node);
      t.setDaemon(true);
      return t;
    });
  }

  Subscription subscribe(Consumer<RuntimeEvent> consumer) {
    Listener listener = new Listener(consumer);
    listeners.add(listener);
    return () -> {
      listener.closed = true;
      listeners.remove(listener);
    };
  }

  void publish(RuntimeEvent event) {
    try {
      thread.execute(() -> deliver(event));
    } catch (RejectedExecutionException e) {
      log.debug("runtime closed, dropping {}", event);
    }
  }

  private void deliver(RuntimeEvent event) {
    for (Listener listener : listeners) {
      if (listener.closed) {
        continue;
      }
      try {
        listener.consumer.accept(event);
      } catch (RuntimeException e) {
        log.warn("runtime event listener failed on {}", event, e);
      }
    }
  }

  /** Stops the delivery thread; queued events are dropped. */
  @Override
  public void close() {
    thread.shutdownNow();
  }

  private static final class Listener {
    final Consumer<RuntimeEvent> consumer;
    volatile boolean closed;

    Listener(Consumer<RuntimeEvent> consumer) {
      this.consumer = consumer;
    }
  }
}
