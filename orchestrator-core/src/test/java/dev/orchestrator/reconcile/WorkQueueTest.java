package dev.orchestrator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestrator.time.ManualClock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WorkQueueTest {
  private final ManualClock clock = new ManualClock();
  private final RateLimiter<String> backoff =
      new ExponentialBackoffRateLimiter<>(Duration.ofMillis(100), Duration.ofMinutes(5));
  private final WorkQueue<String> queue = WorkQueue.create(clock, backoff);

  @AfterEach
  void shutDown() {
    queue.shutDown();
  }

  @Test
  void aKeyAddedTwiceIsQueuedOnce() throws Exception {
    queue.add("a");
    queue.add("a");

    assertThat(queue.length()).isEqualTo(1);
    assertThat(queue.poll(Duration.ZERO)).isEqualTo("a");
    assertThat(queue.poll(Duration.ZERO)).isNull();
  }

  @Test
  void keysComeOutInTheOrderTheyWereAdded() throws Exception {
    queue.add("c");
    queue.add("a");
    queue.add("b");
    queue.add("a");

    assertThat(queue.get()).isEqualTo("c");
    assertThat(queue.get()).isEqualTo("a");
    assertThat(queue.get()).isEqualTo("b");
  }

  @Test
  void aKeyBeingProcessedIsNotHandedOutAgain() throws Exception {
    queue.add("a");
    assertThat(queue.get()).isEqualTo("a");

    queue.add("a");

    assertThat(queue.length()).isZero();
    assertThat(queue.processingCount()).isEqualTo(1);
    assertThat(queue.poll(Duration.ofMillis(10))).isNull();
  }

  @Test
  void aKeyAddedWhileProcessingIsQueuedAgainWhenDone() throws Exception {
    queue.add("a");
    String key = queue.get();
    queue.add("a");
    queue.add("a");

    queue.done(key);

    assertThat(queue.length()).isEqualTo(1);
    assertThat(queue.get()).isEqualTo("a");
    queue.done("a");
    assertThat(queue.length()).isZero();
    assertThat(queue.processingCount()).isZero();
  }

  @Test
  void aKeyNotAddedAgainIsGoneAfterDone() throws Exception {
    queue.add("a");
    queue.done(queue.get());

    assertThat(queue.length()).isZero();
    assertThat(queue.processingCount()).isZero();
  }

  @Test
  void doneForAKeyThatIsNotBeingProcessedChangesNothing() throws Exception {
    queue.add("a");

    queue.done("a");
    queue.done("b");

    assertThat(queue.length()).isEqualTo(1);
    assertThat(queue.get()).isEqualTo("a");
  }

  @Test
  void aBlockedGetReturnsAKeyAddedLater() {
    GetterThread<String> getter = GetterThread.startBlocked(queue);

    queue.add("a");

    assertThat(getter.awaitResult()).isEqualTo("a");
  }

  @Test
  void pollGivesUpAfterItsTimeout() throws Exception {
    assertThat(queue.poll(Duration.ofMillis(20))).isNull();
    assertThat(queue.poll(Duration.ofMillis(-5))).isNull();
  }

  @Test
  void addRateLimitedWaitsAsLongAsTheLimiterSaysAndForgetResetsIt() throws Exception {
    queue.addRateLimited("a");
    queue.addRateLimited("a");
    assertThat(queue.numRequeues("a")).isEqualTo(2);
    assertThat(queue.delayedCount()).isEqualTo(1);

    clock.advance(Duration.ofMillis(99));
    assertThat(queue.length()).isZero();
    clock.advance(Duration.ofMillis(1));
    assertThat(queue.poll(Duration.ZERO)).isEqualTo("a");

    queue.forget("a");
    assertThat(queue.numRequeues("a")).isZero();
  }
}
