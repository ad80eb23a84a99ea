package dev.orchestrator.reconcile;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.Objects;

/**
 * An overall token bucket shared by all keys: {@code qps} tokens per second, at most {@code
 * burst} saved up. Every {@link #when} reserves a token; when none is left it returns how long
 * until the reserved one is due, so successive calls are spaced {@code 1/qps} apart (like
 * client-go's {@code BucketRateLimiter} over {@code rate.Limiter.Reserve}).
 *
 * <p>Time comes from the injected {@link Clock}, so it can be driven by a manual clock.
 * Thread-safe; keeps no per-key state ({@link #numRequeues} is always 0).
 */
public final class TokenBucketRateLimiter<K> implements RateLimiter<K> {
  private static final double NANOS_PER_SECOND = 1e9;

  private final Clock clock;
  private final double qps;
  private final int burst;
  private double tokens;
  private Instant last;

  /**
   * @param qps tokens added per second; must be positive
   * @param burst bucket size, also the initial number of tokens; must be at least 1
   */
  public TokenBucketRateLimiter(Clock clock, double qps, int burst) {
    this.clock = Objects.requireNonNull(clock, "clock");
    if (!(qps > 0) || Double.isInfinite(qps) || burst < 1) {
      throw new IllegalArgumentException("need qps > 0 and burst >= 1, got " + qps + ", " + burst);
    }
    this.qps = qps;
    this.burst = burst;
    this.tokens = burst;
    this.last = clock.instant();
  }

  @Override
  public synchronized Duration when(K key) {
    Instant now = clock.instant();
    if (now.isAfter(last)) {
      double elapsedNanos = Duration.between(last, now).toNanos();
      tokens = Math.min(burst, tokens + elapsedNanos * qps / NANOS_PER_SECOND);
      last = now;
    }
    tokens -= 1;
    if (tokens >= 0) {
      return Duration.ZERO;
    }
    return Duration.ofNanos((long) Math.ceil(-tokens * NANOS_PER_SECOND / qps));
  }

  @Override
  public void forget(K key) {}

  @Override
  public int numRequeues(K key) {
    return 0;
  }

  @Override
  public String toString() {
    return "TokenBucketRateLimiter[qps=" + qps + ", burst=" + burst + "]";
  }
}
