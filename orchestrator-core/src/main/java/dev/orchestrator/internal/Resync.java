package dev.orchestrator.internal;

import java.time.Duration;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The resync: queues every declared or known service, relists every node and queues what the
 * listing found; on demand and, once {@link #schedulePeriodic() scheduled}, every resync interval on
 * the timer until closed. The periodic relisting is what bounds how stale the observed state gets.
 *
 * <p>Thread-safe: {@link #now()} may be called from any thread and returns at once. The listings run
 * on the single-thread lister it is given, which it owns from then on: {@link #close()} shuts it down
 * (a listing under way is interrupted) and stops the periodic schedule.
 */
final class Resync implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Resync.class);

  private final DesiredState desired;
  private final Map<String, ServiceBook> books;
  private final Cluster cluster;
  private final ClockScheduler timer;
  private final Duration interval;
  private final ExecutorService lister;
  private final Consumer<String> enqueue;
  private volatile boolean closed;

  Resync(DesiredState desired, Map<String, ServiceBook> books, Cluster cluster, ClockScheduler timer, Duration interval,
      ExecutorService lister, Consumer<String> enqueue) {
    this.desired = desired;
    this.books = books;
    this.cluster = cluster;
    this.timer = timer;
    this.interval = interval;
    this.lister = lister;
    this.enqueue = enqueue;
  }

  /**
   * Queues every declared or known service now, and relists every node on the lister. Then,
   * without the observed-state cache, it queues every service found there; with it, only those not
   * queued already or whose observed containers the listing changed (the cache is trusted in
   * between, so one pass per service suffices).
   */
  void now() {
    Set<String> keys = new HashSet<>(desired.services().keySet());
    keys.addAll(books.keySet());
    keys.forEach(enqueue);
    boolean cached = cluster.observed().cached();
    try {
      lister.execute(() -> {
        Cluster.Relisted found = cluster.relistAll();
        for (String service : found.owned()) {
          if (!cached || !keys.contains(service) || found.changed().contains(service)) {
            enqueue.accept(service);
          }
        }
        found.changed().forEach(enqueue);
      });
    } catch (RejectedExecutionException e) {
      log.debug("resync after close skipped");
    }
  }

  /** Resyncs every interval from now on, until closed. */
  void schedulePeriodic() {
    if (!closed) {
      timer.schedule(interval, () -> {
        now();
        schedulePeriodic();
      });
    }
  }

  @Override
  public void close() {
    closed = true;
    lister.shutdownNow();
  }
}
