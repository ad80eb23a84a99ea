package dev.orchestrator.reconcile;

import java.time.Duration;
import java.util.List;

/**
 * Combines rate limiters: a key waits as long as the most restrictive one says. Every limiter
 * is consulted on each call, so each keeps its own state current. Thread-safe if the parts are.
 */
public final class MaxOfRateLimiter<K> implements RateLimiter<K> {
  private final List<RateLimiter<K>> limiters;

  /** @param limiters at least one limiter */
  public MaxOfRateLimiter(List<RateLimiter<K>> limiters) {
    this.limiters = List.copyOf(limiters);
    if (this.limiters.isEmpty()) {
      throw new IllegalArgumentException("need at least one rate limiter");
    }
  }

  /** The most restrictive of {@code limiters}. */
  @SafeVarargs
  public static <K> MaxOfRateLimiter<K> of(RateLimiter<K>... limiters) {
    return new MaxOfRateLimiter<>(List.of(limiters));
  }

  @Override
  public Duration when(K key) {
    Duration longest = Duration.ZERO;
    for (RateLimiter<K> limiter : limiters) {
      Duration delay = limiter.when(key);
      if (delay.compareTo(longest) > 0) {
        longest = delay;
      }
    }
    return longest;
  }

  @Override
  public void forget(K key) {
    limiters.forEach(limiter -> limiter.forget(key));
  }

  @Override
  public int numRequeues(K key) {
    int most = 0;
    for (RateLimiter<K> limiter : limiters) {
      most = Math.max(most, limiter.numRequeues(key));
    }
    return most;
  }

  @Override
  public String toString() {
    return "MaxOfRateLimiter" + limiters;
  }
}
