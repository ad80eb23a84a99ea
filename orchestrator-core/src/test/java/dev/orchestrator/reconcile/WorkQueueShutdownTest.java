package dev.orchestrator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.orchestrator.time.ManualClock;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WorkQueueShutdownTest {
  private final ManualClock clock = new ManualClock();
  private final WorkQueue<String> queue = WorkQueue.create(clock, RateLimiter.defaults(clock));

  @AfterEach
  void shutDown() {
    queue.shutDown();
  }

  @Test
  void shutDownWakesEveryBlockedGetterWithNull() {
    GetterThread<String> first = GetterThread.startBlocked(queue);
    GetterThread<String> second = GetterThread.startBlocked(queue);

    queue.shutDown();

    assertThat(first.awaitResult()).isNull();
    assertThat(second.awaitResult()).isNull();
    assertThat(queue.isShuttingDown()).isTrue();
  }

  @Test
  void aQueueThatIsShutDownAcceptsNoKeysAndHandsOutNone() throws Exception {
    queue.add("queued");
    queue.addAfter("delayed", Duration.ofSeconds(1));

    queue.shutDown();
    queue.add("a");
    queue.addAfter("b", Duration.ofSeconds(1));
    clock.advance(Duration.ofSeconds(1));

    assertThat(queue.length()).isZero();
    assertThat(queue.delayedCount()).isZero();
    assertThat(queue.get()).isNull();
    assertThat(queue.poll(Duration.ofSeconds(1))).isNull();
  }

  @Test
  void shutDownWithDrainWaitsForKeysBeingProcessed() throws Exception {
    queue.add("a");
    queue.add("b");
    String first = queue.get();
    String second = queue.get();

    CompletableFuture<Boolean> drained = drainAsync(Duration.ofSeconds(30));
    await().atMost(Duration.ofSeconds(5)).until(queue::isShuttingDown);
    queue.done(first);
    assertThat(drained).isNotDone();
    queue.done(second);

    await().atMost(Duration.ofSeconds(5)).until(drained::isDone);
    assertThat(drained.join()).isTrue();
  }

  @Test
  void whileDrainingNoKeyIsAcceptedOrHandedOutAndNoneIsQueuedAgain() throws Exception {
    queue.add("a");
    String key = queue.get();
    queue.add("b");

    CompletableFuture<Boolean> drained = drainAsync(Duration.ofSeconds(30));
    await().atMost(Duration.ofSeconds(5)).until(queue::isShuttingDown);
    queue.add("a");
    queue.add("c");

    assertThat(queue.poll(Duration.ZERO)).isNull();
    queue.done(key);
    assertThat(drained.join()).isTrue();
    assertThat(queue.length()).isZero();
  }

  @Test
  void shutDownWithDrainReportsKeysStillProcessingAfterTheTimeout() throws Exception {
    queue.add("a");
    queue.get();

    assertThat(queue.shutDownWithDrain(Duration.ofMillis(20))).isFalse();
    assertThat(queue.isShuttingDown()).isTrue();
  }

  @Test
  void shutDownWithDrainReturnsAtOnceWhenNothingIsProcessing() throws Exception {
    queue.add("a");

    assertThat(queue.shutDownWithDrain(Duration.ZERO)).isTrue();
  }

  private CompletableFuture<Boolean> drainAsync(Duration timeout) {
    return CompletableFuture.supplyAsync(
        () -> {
          try {
            return queue.shutDownWithDrain(timeout);
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new CompletionException(e);
          }
        });
  }
}
