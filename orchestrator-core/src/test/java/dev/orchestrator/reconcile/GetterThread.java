package dev.orchestrator.reconcile;

import static org.awaitility.Awaitility.await;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicReference;

/** Runs one {@link WorkQueue#get} on its own thread so tests can watch it block and wake. */
final class GetterThread<K> {
  private final Thread thread;
  private final AtomicReference<K> result = new AtomicReference<>();

  private GetterThread(WorkQueue<K> queue) {
    thread =
        new Thread(
            () -> {
              try {
                result.set(queue.get());
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
            },
            "getter");
    thread.setDaemon(true);
  }

  /** Starts a getter. */
  static <K> GetterThread<K> start(WorkQueue<K> queue) {
    GetterThread<K> getter = new GetterThread<>(queue);
    getter.thread.start();
    return getter;
  }

  /** Starts a getter and returns once it is blocked waiting for a key. */
  static <K> GetterThread<K> startBlocked(WorkQueue<K> queue) {
    GetterThread<K> getter = start(queue);
    await().atMost(Duration.ofSeconds(5)).until(getter::isBlocked);
    return getter;
  }

  boolean isBlocked() {
    Thread.State state = thread.getState();
    return state == Thread.State.WAITING || state == Thread.State.TIMED_WAITING;
  }

  boolean isFinished() {
    return thread.getState() == Thread.State.TERMINATED;
  }

  /** Waits until the get returned and gives what it returned. */
  K awaitResult() {
    await().atMost(Duration.ofSeconds(5)).until(this::isFinished);
    return result.get();
  }
}
