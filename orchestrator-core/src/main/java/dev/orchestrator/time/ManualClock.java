package dev.orchestrator.time;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * A clock that moves only when told to. Queues, backoff, probes and the simulator take a
 * {@link Clock}; give them one of these to run time-dependent behaviour without sleeping.
 *
 * <p>Thread-safe. Components that wait for a point in time register an advance listener
 * (see {@link #onAdvance(Runnable)}) so that they wake up as soon as the clock moves.
 */
public final class ManualClock extends Clock {
  private final ZoneId zone;
  private final List<Runnable> listeners;
  private volatile Instant now;

  public ManualClock() {
    this(Instant.parse("2026-01-01T00:00:00Z"));
  }

  public ManualClock(Instant start) {
    this.now = Objects.requireNonNull(start, "start");
    this.zone = ZoneOffset.UTC;
    this.listeners = new CopyOnWriteArrayList<>();
  }

  /** Moves the clock forward and wakes every waiter. */
  public void advance(Duration step) {
    if (step.isNegative()) {
      throw new IllegalArgumentException("a clock does not go back: " + step);
    }
    synchronized (this) {
      now = now.plus(step);
    }
    listeners.forEach(Runnable::run);
  }

  /**
   * Registers a callback run (on the advancing thread) after every {@link #advance}. Keep it
   * short: signal a condition, never block.
   */
  public Runnable onAdvance(Runnable listener) {
    listeners.add(listener);
    return () -> listeners.remove(listener);
  }

  @Override
  public Instant instant() {
    return now;
  }

  @Override
  public long millis() {
    return now.toEpochMilli();
  }

  @Override
  public ZoneId getZone() {
    return zone;
  }

  /** Returns this clock when the zone is the same; otherwise a view that follows this clock. */
  @Override
  public Clock withZone(ZoneId zone) {
    if (zone.equals(this.zone)) {
      return this;
    }
    ManualClock self = this;
    return new Clock() {
      @Override
      public ZoneId getZone() {
        return zone;
      }

      @Override
      public Clock withZone(ZoneId other) {
        return self.withZone(other);
      }

      @Override
      public Instant instant() {
        return self.instant();
      }
    };
  }
}
