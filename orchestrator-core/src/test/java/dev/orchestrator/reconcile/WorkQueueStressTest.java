package dev.orchestrator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

class WorkQueueStressTest {
  private static final int WORKERS = 4;
  private static final int KEYS = 64;
  private static final int ADDS = 2_000;

  private final WorkQueue<Integer> queue =
      WorkQueue.create(Clock.systemUTC(), RateLimiter.defaults(Clock.systemUTC()));
  private final AtomicLong ticket = new AtomicLong();
  private final ConcurrentMap<Integer, Long> lastAdded = new ConcurrentHashMap<>();
  private final ConcurrentMap<Integer, Long> lastStarted = new ConcurrentHashMap<>();
  private final Set<Integer> inFlight = ConcurrentHashMap.newKeySet();
  private final Set<Integer> overlapping = ConcurrentHashMap.newKeySet();
  private final AtomicInteger reAddBudget = new AtomicInteger(ADDS / 4);

  @Test
  void fourWorkersNeverProcessOneKeyAtOnceAndEveryAddedKeyIsProcessedAfterItsLastAdd()
      throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(WORKERS);
    List<Future<?>> workers = new ArrayList<>();
    for (int i = 0; i < WORKERS; i++) {
      workers.add(pool.submit(this::work));
    }
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (int i = 0; i < ADDS; i++) {
      int key = random.nextInt(KEYS);
      trackAdd(key, i % 10 == 0 ? Duration.ofMillis(random.nextInt(1, 4)) : Duration.ZERO);
    }

    // A key whose last start came after its last add still has that add's effect ahead of it
    // only while it is processing, so an idle queue with every key started late enough is done.
    await()
        .atMost(Duration.ofSeconds(60))
        .until(
            () ->
                lastAdded.entrySet().stream()
                        .allMatch(e -> lastStarted.getOrDefault(e.getKey(), 0L) > e.getValue())
                    && queue.processingCount() == 0
                    && queue.length() == 0
                    && queue.delayedCount() == 0);
    queue.shutDown();
    pool.shutdown();
    assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
    for (Future<?> worker : workers) {
      worker.get();
    }
    assertThat(overlapping).isEmpty();
  }

  private Void work() throws InterruptedException {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    for (Integer key = queue.get(); key != null; key = queue.get()) {
      lastStarted.merge(key, ticket.incrementAndGet(), Math::max);
      if (!inFlight.add(key)) {
        overlapping.add(key);
      }
      if (random.nextInt(4) == 0 && reAddBudget.decrementAndGet() >= 0) {
        trackAdd(key, Duration.ZERO);
      }
      Thread.yield();
      inFlight.remove(key);
      queue.done(key);
    }
    return null;
  }

  /** Takes the ticket before adding, so a start that could have missed this add ranks after it. */
  private void trackAdd(int key, Duration delay) {
    lastAdded.merge(key, ticket.incrementAndGet(), Math::max);
    queue.addAfter(key, delay);
  }
}
