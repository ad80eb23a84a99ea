package dev.orchestrator.registry;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class DeliveryPoolTest {

  @Test
  void blockedDeliveriesGetExtraWorkersWhichEndWhenTheyReturn() {
    try (DeliveryPool pool = new DeliveryPool(2, 16)) {
      CountDownLatch release = new CountDownLatch(1);
      for (int i = 0; i < 5; i++) {
        pool.execute(() -> {
          try {
            release.await();
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
          }
        });
      }
      AtomicInteger fast = new AtomicInteger();
      for (int i = 0; i < 100; i++) {
        pool.execute(fast::incrementAndGet);
      }

      await().atMost(Duration.ofSeconds(10)).until(() -> fast.get() == 100);
      assertThat(workers(pool)).isBetween(6L, 9L); // the five stuck, and room for more (a worker descheduled for a tick counts too)

      release.countDown();
      await().atMost(Duration.ofSeconds(10)).until(() -> workers(pool) == 2);
    }
  }

  @Test
  void busyWorkersThatKeepMovingDoNotGrowThePool() {
    try (DeliveryPool pool = new DeliveryPool(2, 16)) {
      AtomicInteger done = new AtomicInteger();
      for (int i = 0; i < 20_000; i++) {
        pool.execute(() -> {
          long until = System.nanoTime() + 20_000;
          while (System.nanoTime() < until) {
            Thread.onSpinWait();
          }
          done.incrementAndGet();
        });
      }
      long most = 0;
      while (done.get() < 20_000) {
        most = Math.max(most, workers(pool));
        java.util.concurrent.locks.LockSupport.parkNanos(5_000_000);
      }
      // a queue that never empties while every worker is busy grew the pool to its maximum (16)
      // before; only a worker descheduled for a whole tick may count as stuck now
      assertThat(most).isLessThanOrEqualTo(6);
    }
  }

  private static long workers(DeliveryPool pool) {
    return Thread.getAllStackTraces().keySet().stream()
        .filter(t -> t.isAlive() && t.getName().startsWith(pool.name() + "-") && !t.getName().endsWith("watchdog"))
        .count();
  }
}
