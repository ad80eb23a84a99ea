package dev.orchestrator.registry;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * The registry's own delivery threads: {@code base} workers take watcher deliveries from one queue
 * (no thread hand-off per delivery), and a watchdog keeps {@code base} workers free of stuck
 * deliveries: every tick (20 ms) it counts the deliveries it already saw running at the previous
 * tick (listeners that block) and sizes the pool to {@code base} plus that count, up to {@code max}.
 * A blocked listener thus delays others by one or two ticks, never for good, and busy but moving
 * workers do not grow it.
 *
 * <p>Threads: the workers and one watchdog thread, all daemon threads ended by {@link #close()}.
 */
final class DeliveryPool implements Executor, AutoCloseable {
  private static final long TICK_NANOS = TimeUnit.MILLISECONDS.toNanos(20);
  private static final AtomicInteger POOLS = new AtomicInteger();

  private final String name;
  private final int base;
  private final int max;
  private final ThreadPoolExecutor workers;
  /** Deliveries under way: the worker running each, and the delivery's sequence number. */
  private final Map<Thread, Long> running = new ConcurrentHashMap<>();
  private final AtomicLong deliveries = new AtomicLong();
  private final Thread watchdog;
  private final AtomicBoolean watching = new AtomicBoolean();

  DeliveryPool(int base, int max) {
    this.base = base;
    this.max = max;
    this.name = "service-registry-delivery-" + POOLS.incrementAndGet();
    AtomicInteger count = new AtomicInteger();
    this.workers = new ThreadPoolExecutor(base, base, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), task -> {
      Thread thread = new Thread(task, name + "-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
    this.watchdog = new Thread(this::watch, name + "-watchdog");
    watchdog.setDaemon(true);
  }

  @Override
  public void execute(Runnable delivery) {
    if (!watching.get() && watching.compareAndSet(false, true)) {
      watchdog.start(); // on first use: a registry nobody watches starts no thread
    }
    workers.execute(() -> {
      Thread self = Thread.currentThread();
      running.put(self, deliveries.incrementAndGet());
      try {
        delivery.run();
      } finally {
        running.remove(self);
      }
    });
  }

  private void watch() {
    Map<Thread, Long> seenBefore = Map.of();
    while (!workers.isShutdown()) {
      try {
        TimeUnit.NANOSECONDS.sleep(TICK_NANOS);
      } catch (InterruptedException e) {
        return;
      }
      // stuck: the same delivery still running at two ticks in a row (a pause of the whole JVM or
      // a descheduled thread does not span two ticks of a delivery that keeps moving)
      Map<Thread, Long> seen = Map.copyOf(running);
      int stuck = 0;
      for (Map.Entry<Thread, Long> e : seen.entrySet()) {
        stuck += e.getValue().equals(seenBefore.get(e.getKey())) ? 1 : 0;
      }
      seenBefore = seen;
      int wanted = Math.min(max, base + stuck);
      int size = workers.getCorePoolSize();
      if (wanted > size) {
        workers.setMaximumPoolSize(wanted);
        workers.setCorePoolSize(wanted);
      } else if (wanted < size && workers.getQueue().isEmpty()) {
        workers.setCorePoolSize(wanted); // idle extra workers end; busy ones when their delivery returns
        workers.setMaximumPoolSize(wanted);
      }
    }
  }

  /** The name every thread of this pool starts with. */
  String name() {
    return name;
  }

  @Override
  public void close() {
    workers.shutdown();
    watchdog.interrupt();
  }
}
