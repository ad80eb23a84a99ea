package dev.orchestrator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class ExponentialBackoffRateLimiterTest {
  private final ExponentialBackoffRateLimiter<String> limiter =
      new ExponentialBackoffRateLimiter<>(Duration.ofMillis(100), Duration.ofSeconds(1));

  @Test
  void theDelayDoublesWithEveryFailureUpToTheCap() {
    assertThat(limiter.when("a")).isEqualTo(Duration.ofMillis(100));
    assertThat(limiter.when("a")).isEqualTo(Duration.ofMillis(200));
    assertThat(limiter.when("a")).isEqualTo(Duration.ofMillis(400));
    assertThat(limiter.when("a")).isEqualTo(Duration.ofMillis(800));
    assertThat(limiter.when("a")).isEqualTo(Duration.ofSeconds(1));
    assertThat(limiter.when("a")).isEqualTo(Duration.ofSeconds(1));
    assertThat(limiter.numRequeues("a")).isEqualTo(6);
  }

  @Test
  void keysBackOffIndependently() {
    limiter.when("a");
    limiter.when("a");

    assertThat(limiter.when("b")).isEqualTo(Duration.ofMillis(100));
    assertThat(limiter.numRequeues("a")).isEqualTo(2);
    assertThat(limiter.numRequeues("b")).isEqualTo(1);
  }

  @Test
  void forgetStartsTheBackoffFromScratch() {
    limiter.when("a");
    limiter.when("a");

    limiter.forget("a");

    assertThat(limiter.numRequeues("a")).isZero();
    assertThat(limiter.when("a")).isEqualTo(Duration.ofMillis(100));
  }

  @Test
  void theDelayStaysAtTheCapLongAfterItWouldOverflow() {
    ExponentialBackoffRateLimiter<String> big =
        new ExponentialBackoffRateLimiter<>(Duration.ofMillis(5), Duration.ofSeconds(1000));
    Duration last = Duration.ZERO;
    for (int i = 0; i < 200; i++) {
      last = big.when("a");
    }
    assertThat(last).isEqualTo(Duration.ofSeconds(1000));
  }

  @Test
  void aBaseLongerThanTheCapIsRejected() {
    assertThatThrownBy(
            () -> new ExponentialBackoffRateLimiter<>(Duration.ofSeconds(2), Duration.ofSeconds(1)))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
