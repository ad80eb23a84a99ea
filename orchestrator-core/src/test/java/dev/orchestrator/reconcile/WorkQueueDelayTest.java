package dev.orchestrator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestrator.time.ManualClock;
import java.time.Clock;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class WorkQueueDelayTest {
  private final ManualClock clock = new ManualClock();
  private final WorkQueue<String> queue = WorkQueue.create(clock, RateLimiter.defaults(clock));

  @AfterEach
  void shutDown() {
    queue.shutDown();
  }

  @Test
  void aDelayedKeyIsNotReadyBeforeItsDeadline() throws Exception {
    queue.addAfter("a", Duration.ofSeconds(10));

    clock.advance(Duration.ofMillis(9_999));

    assertThat(queue.length()).isZero();
    assertThat(queue.delayedCount()).isEqualTo(1);
    assertThat(queue.poll(Duration.ZERO)).isNull();
  }

  @Test
  void aDelayedKeyIsReadyAsSoonAsTheClockReachesItsDeadline() throws Exception {
    queue.addAfter("a", Duration.ofSeconds(10));

    clock.advance(Duration.ofSeconds(10));

    assertThat(queue.length()).isEqualTo(1);
    assertThat(queue.delayedCount()).isZero();
    assertThat(queue.poll(Duration.ZERO)).isEqualTo("a");
  }

  @Test
  void aBlockedGetWakesUpWhenTheClockPassesADeadline() {
    queue.addAfter("a", Duration.ofSeconds(10));
    GetterThread<String> getter = GetterThread.startBlocked(queue);

    clock.advance(Duration.ofSeconds(5));
    assertThat(getter.isFinished()).isFalse();
    clock.advance(Duration.ofSeconds(5));

    assertThat(getter.awaitResult()).isEqualTo("a");
  }

  @Test
  void aZeroOrNegativeDelayAddsAtOnce() {
    queue.addAfter("a", Duration.ZERO);
    queue.addAfter("b", Duration.ofSeconds(-1));

    assertThat(queue.length()).isEqualTo(2);
    assertThat(queue.delayedCount()).isZero();
  }

  @Test
  void theEarlierDeadlineWinsWhenAKeyIsDelayedTwice() {
    queue.addAfter("a", Duration.ofSeconds(10));
    queue.addAfter("a", Duration.ofSeconds(2));
    queue.addAfter("a", Duration.ofSeconds(5));
    assertThat(queue.delayedCount()).isEqualTo(1);

    clock.advance(Duration.ofSeconds(2));
    assertThat(queue.length()).isEqualTo(1);
    assertThat(queue.delayedCount()).isZero();
  }

  @Test
  void delayedKeysBecomeReadyInDeadlineOrder() throws Exception {
    queue.addAfter("late", Duration.ofSeconds(3));
    queue.addAfter("early", Duration.ofSeconds(1));
    queue.addAfter("middle", Duration.ofSeconds(2));

    clock.advance(Duration.ofSeconds(3));

    assertThat(queue.get()).isEqualTo("early");
    assertThat(queue.get()).isEqualTo("middle");
    assertThat(queue.get()).isEqualTo("late");
  }

  @Test
  void aDelayedKeyThatIsAlreadyQueuedIsQueuedOnlyOnce() throws Exception {
    queue.addAfter("a", Duration.ofSeconds(1));
    queue.add("a");

    clock.advance(Duration.ofSeconds(1));

    assertThat(queue.length()).isEqualTo(1);
  }

  @Test
  void aDelayedKeyThatComesDueWhileProcessingIsQueuedWhenDone() throws Exception {
    queue.add("a");
    String key = queue.get();
    queue.addAfter("a", Duration.ofSeconds(1));

    clock.advance(Duration.ofSeconds(1));
    assertThat(queue.length()).isZero();
    queue.done(key);

    assertThat(queue.poll(Duration.ZERO)).isEqualTo("a");
  }

  @Test
  void aDelayedKeyBecomesReadyOnARealClock() {
    WorkQueue<String> real = WorkQueue.create(Clock.systemUTC(), RateLimiter.defaults(clock));
    try {
      real.addAfter("a", Duration.ofMillis(20));
      real.addAfter("b", Duration.ofMillis(250));

      GetterThread<String> first = GetterThread.start(real);
      assertThat(first.awaitResult()).isEqualTo("a");
      GetterThread<String> second = GetterThread.start(real);
      assertThat(second.awaitResult()).isEqualTo("b");
    } finally {
      real.shutDown();
    }
  }
}
