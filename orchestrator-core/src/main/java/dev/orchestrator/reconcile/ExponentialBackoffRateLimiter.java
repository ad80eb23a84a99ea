package dev.orchestrator.reconcile;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;

/**
 * Per-key exponential backoff: the n-th retry of a key (counting from 0) waits {@code base *
 * 2^n}, capped at {@code max}. Thread-safe; the configuration is immutable.
 */
public final class ExponentialBackoffRateLimiter<K> implements RateLimiter<K> {
  private final Duration base;
  private final Duration max;
  private final ConcurrentMap<K, Integer> failures = new ConcurrentHashMap<>();

  /**
   * @param base the first delay; must not be negative
   * @param max the largest delay; must not be shorter than {@code base}
   */
  public ExponentialBackoffRateLimiter(Duration base, Duration max) {
    this.base = Objects.requireNonNull(base, "base");
    this.max = Objects.requireNonNull(max, "max");
    if (base.isNegative() || max.compareTo(base) < 0) {
      throw new IllegalArgumentException("need 0 <= base <= max, got " + base + " and " + max);
    }
  }

  @Override
  public Duration when(K key) {
    int exponent = failures.merge(key, 1, (a, b) -> a == Integer.MAX_VALUE ? a : a + b) - 1;
    long baseNanos = base.toNanos();
    if (exponent >= Long.SIZE - 1 || baseNanos > (Long.MAX_VALUE >> exponent)) {
      return max;
    }
    Duration delay = Duration.ofNanos(baseNanos << exponent);
    return delay.compareTo(max) > 0 ? max : delay;
  }

  @Override
  public void forget(K key) {
    failures.remove(key);
  }

  @Override
  public int numRequeues(K key) {
    return failures.getOrDefault(key, 0);
  }

  @Override
  public String toString() {
    return "ExponentialBackoffRateLimiter[base=" + base + ", max=" + max + "]";
  }
}
