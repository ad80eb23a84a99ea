package dev.orchestrator.internal;

import dev.orchestrator.time.ManualClock;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.PriorityQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs short tasks at instants of an injected clock, on one thread it owns ("orchestrator-timer").
 * With a {@link ManualClock} a task runs as soon as the clock is advanced past its instant; with
 * a real clock the thread waits in real time (re-checking at least every 100 ms).
 *
 * <p>Tasks must be quick (hand work to an executor); an exception in one is logged and dropped.
 */
final class ClockScheduler implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ClockScheduler.class);
  private static final long MAX_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(100);

  private final Clock clock;
  private final ReentrantLock lock = new ReentrantLock();
  private final Condition changed = lock.newCondition();
  private final PriorityQueue<Task> tasks = new PriorityQueue<>();
  private final Thread thread;
  private final Runnable unregister;
  private long sequence;
  private boolean closed;

  /** A scheduled task; cancel it to drop it if it has not run yet. */
  static final class Task implements Comparable<Task> {
    private final Instant at;
    private final long seq;
    private final Runnable action;
    private volatile boolean cancelled;

    private Task(Instant at, long seq, Runnable action) {
      this.at = at;
      this.seq = seq;
      this.action = action;
    }

    void cancel() {
      cancelled = true;
    }

    @Override
    public int compareTo(Task o) {
      int c = at.compareTo(o.at);
      return c != 0 ? c : Long.compare(seq, o.seq);
    }
  }

  ClockScheduler(Clock clock, String threadName) {
    this.clock = clock;
    this.unregister = clock instanceof ManualClock manual ? manual.onAdvance(this::wake) : () -> {};
    this.thread = new Thread(this::loop, threadName);
    thread.setDaemon(true);
    thread.start();
  }

  Task schedule(Duration delay, Runnable action) {
    return scheduleAt(clock.instant().plus(delay.isNegative() ? Duration.ZERO : delay), action);
  }

  Task scheduleAt(Instant at, Runnable action) {
    lock.lock();
    try {
      Task t = new Task(at, sequence++, action);
      if (!closed) {
        tasks.add(t);
        changed.signalAll();
      }
      return t;
    } finally {
      lock.unlock();
    }
  }

  private void wake() {
    lock.lock();
    try {
      changed.signalAll();
    } finally {
      lock.unlock();
    }
  }

  private void loop() {
    while (true) {
      Task due;
      lock.lock();
      try {
        while (true) {
          if (closed) {
            return;
          }
          Task head = tasks.peek();
          if (head != null && !head.at.isAfter(clock.instant())) {
            due = tasks.poll();
            break;
          }
          long wait = head == null ? MAX_WAIT_NANOS * 10
              : Math.min(MAX_WAIT_NANOS, Duration.between(clock.instant(), head.at).toNanos());
          changed.awaitNanos(Math.max(wait, 1));
        }
      } catch (InterruptedException e) {
        return;
      } finally {
        lock.unlock();
      }
      if (!due.cancelled) {
        try {
          due.action.run();
        } catch (RuntimeException | Error e) {
          log.warn("scheduled task failed", e);
        }
      }
    }
  }

  @Override
  public void close() {
    lock.lock();
    try {
      closed = true;
      tasks.clear();
      changed.signalAll();
    } finally {
      lock.unlock();
    }
    unregister.run();
    thread.interrupt();
  }
}
