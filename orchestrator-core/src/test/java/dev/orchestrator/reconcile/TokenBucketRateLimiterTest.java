package dev.orchestrator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orchestrator.time.ManualClock;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class TokenBucketRateLimiterTest {
  private final ManualClock clock = new ManualClock();
  private final TokenBucketRateLimiter<String> limiter = new TokenBucketRateLimiter<>(clock, 10, 3);

  @Test
  void theBurstPassesWithoutDelayAndLaterCallsAreSpacedByOneOverQps() {
    assertThat(limiter.when("a")).isZero();
    assertThat(limiter.when("b")).isZero();
    assertThat(limiter.when("c")).isZero();
    assertThat(limiter.when("d")).isEqualTo(Duration.ofMillis(100));
    assertThat(limiter.when("e")).isEqualTo(Duration.ofMillis(200));
  }

  @Test
  void tokensComeBackAsTheClockMoves() {
    for (int i = 0; i < 3; i++) {
      limiter.when("a");
    }
    assertThat(limiter.when("a")).isEqualTo(Duration.ofMillis(100));

    clock.advance(Duration.ofMillis(300)); // three tokens back, one of them already promised

    assertThat(limiter.when("a")).isZero();
    assertThat(limiter.when("a")).isZero();
    assertThat(limiter.when("a")).isEqualTo(Duration.ofMillis(100));
  }

  @Test
  void anIdleBucketSavesUpNoMoreThanTheBurst() {
    clock.advance(Duration.ofHours(1));

    for (int i = 0; i < 3; i++) {
      assertThat(limiter.when("a")).isZero();
    }
    assertThat(limiter.when("a")).isEqualTo(Duration.ofMillis(100));
  }

  @Test
  void itKeepsNoPerKeyState() {
    limiter.when("a");
    limiter.forget("a");

    assertThat(limiter.numRequeues("a")).isZero();
  }

  @Test
  void aRateThatIsNotPositiveIsRejected() {
    assertThatThrownBy(() -> new TokenBucketRateLimiter<String>(clock, 0, 1))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> new TokenBucketRateLimiter<String>(clock, 1, 0))
        .isInstanceOf(IllegalArgumentException.class);
  }
}
