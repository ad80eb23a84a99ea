package dev.orchestrator.registry;

import java.util.concurrent.Executor;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The registry's own delivery threads: {@code base} workers that take watcher deliveries from one
 * queue without a thread hand-off per delivery, and one more worker (up to {@code max}) whenever
 * deliveries have waited through a whole tick while every worker was busy, which is what listeners
 * that block look like. Extra workers end when the queue is empty again. A blocked listener thus
 * delays others by about one tick, never for good.
 *
 * <p>Threads: the workers and one watchdog thread, all daemon threads ended by {@link #close()}.
 */
final class DeliveryPool implements Executor, AutoCloseable {
  private static final long TICK_MILLIS = 20;

  private final int base;
  private final int max;
  private final ThreadPoolExecutor workers;
  private final Thread watchdog;

  DeliveryPool(int base, int max) {
    this.base = base;
    this.max = max;
    AtomicInteger count = new AtomicInteger();
    this.workers = new ThreadPoolExecutor(base, base, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), task -> {
      Thread thread = new Thread(task, "service-registry-delivery-" + count.incrementAndGet());
      thread.setDaemon(true);
      return thread;
    });
    this.watchdog = new Thread(this::watch, "service-registry-delivery-watchdog");
    watchdog.setDaemon(true);
    watchdog.start();
  }

  @Override
  public void execute(Runnable delivery) {
    workers.execute(delivery);
  }

  private void watch() {
    boolean waitedBefore = false;
    while (!workers.isShutdown()) {
      try {
        Thread.sleep(TICK_MILLIS);
      } catch (InterruptedException e) {
        return;
      }
      boolean waiting = !workers.getQueue().isEmpty();
      int size = workers.getCorePoolSize();
      if (waiting && waitedBefore && workers.getActiveCount() >= size && size < max) {
        workers.setMaximumPoolSize(size + 1);
        workers.setCorePoolSize(size + 1);
      } else if (!waiting && size > base) {
        workers.setCorePoolSize(base);
        workers.setMaximumPoolSize(base);
      }
      waitedBefore = waiting;
    }
  }

  @Override
  public void close() {
    workers.shutdown();
    watchdog.interrupt();
  }
}
