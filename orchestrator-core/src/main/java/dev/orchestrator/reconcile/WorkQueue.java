package dev.orchestrator.reconcile;

import dev.orchestrator.time.ManualClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.NavigableSet;
import java.util.Objects;
import java.util.Queue;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A work queue of keys in the style of client-go's {@code workqueue}: FIFO, deduplicating,
 * with delayed and rate-limited adds.
 *
 * <ul>
 *   <li>A key is never queued twice: adding a key that is already ready is a no-op.
 *   <li>A key is never handed to two workers at once: a key added while it is being processed
 *       (between {@link #get} and {@link #done}) is queued again only when {@link #done} is
 *       called.
 *   <li>Delays are measured on the injected {@link Clock}. With a {@link ManualClock} a waiting
 *       worker wakes as soon as the clock is advanced past a deadline; with any other clock it
 *       re-checks at the earliest deadline and at least every 100 ms (this includes views of a
 *       manual clock such as {@code withZone} with another zone).
 * </ul>
 *
 * <p>Thread-safe: all state is guarded by one lock. The queue starts no threads: delayed keys
 * whose time has come are moved to the ready queue by whichever call next takes the lock. Keys
 * must implement {@code equals} and {@code hashCode}; {@code null} is not a key. Timeouts of
 * {@link #poll} and {@link #shutDownWithDrain} are real (wall-clock) time, not the injected
 * clock, so that workers never hang on a manual clock.
 *
 * <p>Call {@link #shutDown} when done with a queue: it also detaches the queue from a manual
 * clock.
 */
public final class WorkQueue<K> {
  /** Longest real-time wait before re-reading a clock that cannot notify us. */
  static final Duration MAX_CLOCK_WAIT = Duration.ofMillis(100);

  private final Clock clock;
  private final RateLimiter<K> limiter;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final Condition idle = lock.newCondition();
  private final Queue<K> ready = new ArrayDeque<>();
  private final Set<K> dirty = new HashSet<>();
  private final Set<K> processing = new HashSet<>();
  private final Map<K, Waiting<K>> waitingByKey = new HashMap<>();
  private final NavigableSet<Waiting<K>> waiting =
      new TreeSet<>(
          Comparator.comparing((Waiting<K> w) -> w.readyAt()).thenComparingLong(w -> w.seq()));
  private final Runnable detachFromClock;
  private long nextSeq;
  private volatile boolean shuttingDown;

  private WorkQueue(Clock clock, RateLimiter<K> limiter) {
    this.clock = Objects.requireNonNull(clock, "clock");
    this.limiter = Objects.requireNonNull(limiter, "limiter");
    this.detachFromClock =
        clock instanceof ManualClock manual ? manual.onAdvance(this::wakeAll) : () -> {};
  }

  /** A queue whose delays follow {@code clock} and whose retries are paced by {@code limiter}. */
  public static <K> WorkQueue<K> create(Clock clock, RateLimiter<K> limiter) {
    return new WorkQueue<>(clock, limiter);
  }

  /** Queues {@code key} unless it is already queued; ignored once shutting down. */
  public void add(K key) {
    Objects.requireNonNull(key, "key");
    lock.lock();
    try {
      promoteDue();
      enqueue(key);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Queues {@code key} once {@code delay} has passed on the clock; a delay of zero or less adds
   * it now. If the key is already waiting, the earlier deadline wins. Ignored once shutting down.
   */
  public void addAfter(K key, Duration delay) {
    Objects.requireNonNull(key, "key");
    if (delay.isNegative() || delay.isZero()) {
      add(key);
      return;
    }
    lock.lock();
    try {
      if (shuttingDown) {
        return;
      }
      promoteDue();
      Instant readyAt = clock.instant().plus(delay);
      Waiting<K> existing = waitingByKey.get(key);
      if (existing != null) {
        if (!readyAt.isBefore(existing.readyAt())) {
          return;
        }
        waiting.remove(existing);
      }
      Waiting<K> entry = new Waiting<>(key, readyAt, nextSeq++);
      waitingByKey.put(key, entry);
      waiting.add(entry);
      changed.signalAll(); // waiters recompute how long to sleep
    } finally {
      lock.unlock();
    }
  }

  /** Queues {@code key} after the delay the rate limiter assigns it (see {@link #addAfter}). */
  public void addRateLimited(K key) {
    addAfter(key, limiter.when(key));
  }

  /** Tells the rate limiter that {@code key} succeeded: its backoff starts from scratch. */
  public void forget(K key) {
    limiter.forget(key);
  }

  /** How many times {@code key} has been rate-limited since it was last forgotten. */
  public int numRequeues(K key) {
    return limiter.numRequeues(key);
  }

  /**
   * Takes the next ready key, blocking until there is one. The caller must call {@link #done}
   * with it when finished.
   *
   * @return the key, or {@code null} once the queue is shutting down
   */
  public K get() throws InterruptedException {
    return take(-1);
  }

  /**
   * Like {@link #get} but waits at most {@code maxWait} of real time.
   *
   * @return the key, or {@code null} on timeout or once the queue is shutting down
   */
  public K poll(Duration maxWait) throws InterruptedException {
    return take(Math.max(0, saturatedNanos(maxWait)));
  }

  /**
   * Marks {@code key} as processed; if it was added again meanwhile it is queued again. A call
   * for a key that is not being processed does nothing.
   */
  public void done(K key) {
    lock.lock();
    try {
      if (!processing.remove(key)) {
        return;
      }
      if (dirty.contains(key)) {
        ready.add(key);
        changed.signal();
      }
      if (processing.isEmpty()) {
        idle.signalAll();
      }
    } finally {
      lock.unlock();
    }
  }

  /** Keys ready to be taken now (the queue depth). */
  public int length() {
    lock.lock();
    try {
      promoteDue();
      return ready.size();
    } finally {
      lock.unlock();
    }
  }

  /** Keys waiting for their deadline. */
  public int delayedCount() {
    lock.lock();
    try {
      promoteDue();
      return waitingByKey.size();
    } finally {
      lock.unlock();
    }
  }

  /** Keys handed out by {@link #get} or {@link #poll} and not yet {@link #done}. */
  public int processingCount() {
    lock.lock();
    try {
      return processing.size();
    } finally {
      lock.unlock();
    }
  }

  /** Whether {@link #shutDown} or {@link #shutDownWithDrain} has been called. */
  public boolean isShuttingDown() {
    return shuttingDown;
  }

  /**
   * Stops the queue: adds are ignored, waiting keys are dropped, and every blocked and future
   * {@link #get} returns {@code null} at once. Idempotent.
   */
  public void shutDown() {
    lock.lock();
    try {
      beginShutDown();
    } finally {
      lock.unlock();
    }
    detachFromClock.run();
  }

  /**
   * Stops accepting and handing out keys, like {@link #shutDown}, then waits up to {@code
   * timeout} (real time) until every key being processed has been {@link #done}.
   *
   * @return whether all processing finished in time
   */
  public boolean shutDownWithDrain(Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + Math.max(0, saturatedNanos(timeout));
    lock.lock();
    try {
      beginShutDown();
      while (!processing.isEmpty()) {
        long remaining = deadline - System.nanoTime();
        if (remaining <= 0) {
          return false;
        }
        idle.awaitNanos(remaining);
      }
      return true;
    } finally {
      lock.unlock();
      detachFromClock.run();
    }
  }

  private K take(long timeoutNanos) throws InterruptedException {
    long deadline = System.nanoTime() + timeoutNanos;
    lock.lockInterruptibly();
    try {
      while (true) {
        if (shuttingDown) {
          return null;
        }
        promoteDue();
        K key = ready.poll();
        if (key != null) {
          dirty.remove(key);
          processing.add(key);
          return key;
        }
        long wait = nanosUntilNextDeadline();
        if (timeoutNanos >= 0) {
          long remaining = deadline - System.nanoTime();
          if (remaining <= 0) {
            return null;
          }
          wait = Math.min(wait, remaining);
        }
        if (wait == Long.MAX_VALUE) {
          changed.await();
        } else {
          changed.awaitNanos(wait);
        }
      }
    } finally {
      lock.unlock();
    }
  }

  /** Real time to sleep before reading the clock again; {@code Long.MAX_VALUE}: until signalled. */
  private long nanosUntilNextDeadline() {
    if (waiting.isEmpty() || clock instanceof ManualClock) {
      return Long.MAX_VALUE;
    }
    Duration untilDue = Duration.between(clock.instant(), waiting.first().readyAt());
    Duration wait = untilDue.compareTo(MAX_CLOCK_WAIT) < 0 ? untilDue : MAX_CLOCK_WAIT;
    return Math.max(1, wait.toNanos());
  }

  /** Moves delayed keys whose deadline has passed to the ready queue, earliest first. */
  private void promoteDue() {
    if (waiting.isEmpty()) {
      return;
    }
    Instant now = clock.instant();
    boolean promoted = false;
    while (!waiting.isEmpty() && !waiting.first().readyAt().isAfter(now)) {
      Waiting<K> due = waiting.pollFirst();
      waitingByKey.remove(due.key());
      promoted |= enqueue(due.key());
    }
    if (promoted) {
      changed.signalAll();
    }
  }

  /** Adds to the ready queue under the lock; returns whether a waiter may now proceed. */
  private boolean enqueue(K key) {
    if (shuttingDown || !dirty.add(key) || processing.contains(key)) {
      return false;
    }
    ready.add(key);
    changed.signal();
    return true;
  }

  private void beginShutDown() {
    shuttingDown = true;
    ready.clear();
    dirty.clear();
    waiting.clear();
    waitingByKey.clear();
    changed.signalAll();
  }

  private void wakeAll() {
    lock.lock();
    try {
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private static long saturatedNanos(Duration duration) {
    try {
      return duration.toNanos();
    } catch (ArithmeticException tooLong) {
      return duration.isNegative() ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  /** A key waiting for its deadline; {@code seq} keeps equal deadlines in insertion order. */
  private record Waiting<K>(K key, Instant readyAt, long seq) {}
}
