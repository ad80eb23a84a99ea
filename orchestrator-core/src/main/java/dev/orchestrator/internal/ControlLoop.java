package dev.orchestrator.internal;

import dev.orchestrator.event.OrchestratorEvent;
import dev.orchestrator.reconcile.PermanentReconcileException;
import dev.orchestrator.reconcile.RateLimiter;
import dev.orchestrator.reconcile.ReconcileResult;
import dev.orchestrator.reconcile.Reconciler;
import dev.orchestrator.reconcile.WorkQueue;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BiConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The level-triggered loop: a fixed set of worker threads it owns ("orchestrator-worker-N") take
 * service keys from the work queue and reconcile them. Results are values: done forgets the key's
 * failures, requeueAfter schedules another look; an exception retries the key after its per-key
 * exponential backoff, a {@link PermanentReconcileException} drops it until it changes again.
 */
final class ControlLoop implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ControlLoop.class);
  private final WorkQueue<String> queue;
  private final RateLimiter<String> failures;
  private final Reconciler<String> reconciler;
  private final OrchestratorMetrics metrics;
  private final EventBus events;
  private final Clock clock;
  private final BiConsumer<String, String> afterPass;
  private final List<Thread> workers = new ArrayList<>();

  ControlLoop(WorkQueue<String> queue, RateLimiter<String> failures, Reconciler<String> reconciler,
      OrchestratorMetrics metrics, EventBus events, Clock clock, BiConsumer<String, String> afterPass) {
    this.queue = queue;
    this.failures = failures;
    this.reconciler = reconciler;
    this.metrics = metrics;
    this.events = events;
    this.clock = clock;
    this.afterPass = afterPass;
  }

  void start(int workerCount) {
    for (int i = 0; i < workerCount; i++) {
      Thread t = new Thread(this::work, "orchestrator-worker-" + i);
      t.setDaemon(true);
      workers.add(t);
      t.start();
    }
  }

  void enqueue(String service) {
    queue.add(service);
  }

  int depth() {
    return queue.length();
  }

  private void work() {
    while (true) {
      String key;
      try {
        key = queue.get();
      } catch (InterruptedException e) {
        return;
      }
      if (key == null) {
        return;
      }
      try {
        process(key);
      } finally {
        queue.done(key);
      }
    }
  }

  private void process(String key) {
    long start = System.nanoTime();
    String error = "";
    try {
      ReconcileResult result = reconciler.reconcile(key);
      failures.forget(key);
      result.requeueAfter().ifPresent(d -> queue.addAfter(key, d));
    } catch (PermanentReconcileException e) {
      failures.forget(key);
      error = e.getMessage();
      log.error("reconcile of {} failed permanently: {}", key, e.getMessage());
    } catch (Exception | Error e) {
      if (e instanceof VirtualMachineError vm) {
        throw vm;
      }
      Duration retry = failures.when(key);
      error = e.getMessage() == null ? e.toString() : e.getMessage();
      log.warn("reconcile of {} failed, retrying in {} ms: {}", key, retry.toMillis(), error, log.isDebugEnabled() ? e : null);
      events.publish(new OrchestratorEvent.ReconcileFailed(clock.instant(), key, error, retry));
      queue.addAfter(key, retry);
    } finally {
      metrics.reconciled(key, Duration.ofNanos(System.nanoTime() - start), !error.isEmpty());
      afterPass.accept(key, error);
    }
  }

  /** Stops taking keys, lets in-flight passes finish (up to {@code drain}), and ends the workers. */
  @Override
  public void close() {
    close(Duration.ofSeconds(30));
  }

  void close(Duration drain) {
    try {
      queue.shutDownWithDrain(drain);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    queue.shutDown();
    try {
      for (Thread t : workers) {
        t.join(drain.toMillis());
        if (t.isAlive()) {
          log.warn("{} still busy after {} ms; interrupting it", t.getName(), drain.toMillis());
          t.interrupt();
          t.join(drain.toMillis());
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
