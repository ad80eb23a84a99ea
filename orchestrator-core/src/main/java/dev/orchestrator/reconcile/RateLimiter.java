package dev.orchestrator.reconcile;

import java.time.Clock;
import java.time.Duration;

/**
 * Decides how long a key waits before it is retried, as client-go's {@code RateLimiter} does.
 *
 * <p>Implementations are thread-safe. Per-key state lives until {@link #forget} is called, so
 * callers forget a key once it has been handled successfully.
 */
public interface RateLimiter<K> {

  /** Records one more retry of {@code key} and returns how long it must wait (never negative). */
  Duration when(K key);

  /** Drops what is known about {@code key}: its next {@link #when} starts from scratch. */
  void forget(K key);

  /** How many times {@code key} has been retried since it was last forgotten. */
  int numRequeues(K key);

  /**
   * The client-go controller default: the larger of a per-key exponential backoff from 5 ms to
   * 1000 s and an overall token bucket of 10 retries per second with a burst of 100.
   */
  static <K> RateLimiter<K> defaults(Clock clock) {
    return MaxOfRateLimiter.of(
        new ExponentialBackoffRateLimiter<K>(Duration.ofMillis(5), Duration.ofSeconds(1000)),
        new TokenBucketRateLimiter<K>(clock, 10, 100));
  }
}
