package dev.orchestrator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestrator.time.ManualClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class MaxOfRateLimiterTest {
  private final ManualClock clock = new ManualClock();
  private final RateLimiter<String> limiter =
      MaxOfRateLimiter.of(
          new ExponentialBackoffRateLimiter<>(Duration.ofMillis(10), Duration.ofSeconds(1)),
          new TokenBucketRateLimiter<>(clock, 1, 2));

  @Test
  void theLongestDelayOfAllLimitersWins() {
    assertThat(limiter.when("a")).isEqualTo(Duration.ofMillis(10));
    assertThat(limiter.when("a")).isEqualTo(Duration.ofMillis(20));
    assertThat(limiter.when("b")).isEqualTo(Duration.ofSeconds(1));
    assertThat(limiter.when("b")).isEqualTo(Duration.ofSeconds(2));
  }

  @Test
  void forgetAndNumRequeuesReachEveryLimiter() {
    limiter.when("a");
    limiter.when("a");
    assertThat(limiter.numRequeues("a")).isEqualTo(2);

    limiter.forget("a");

    assertThat(limiter.numRequeues("a")).isZero();
  }

  @Test
  void theDefaultsFollowClientGo() {
    RateLimiter<String> defaults = RateLimiter.defaults(clock);

    assertThat(defaults.when("a")).isEqualTo(Duration.ofMillis(5));
    assertThat(defaults.when("a")).isEqualTo(Duration.ofMillis(10));
    for (int i = 0; i < 98; i++) {
      defaults.when("k" + i);
    }
    assertThat(defaults.when("z")).isEqualTo(Duration.ofMillis(100));
  }
}
