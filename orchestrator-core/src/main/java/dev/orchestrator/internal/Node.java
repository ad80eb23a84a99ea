package dev.orchestrator.internal;

import dev.orchestrator.runtime.ContainerRuntime;
import dev.orchestrator.runtime.ContainerRuntimeException;
import dev.orchestrator.runtime.NodeInfo;
import dev.orchestrator.runtime.NodeUnavailableException;
import dev.orchestrator.runtime.RuntimeTimeoutException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Consumer;

/**
 * One node's runtime behind a deadline: every call runs on the bounded engine pool and the
 * caller waits at most {@code callTimeout} (plus the stop grace for stops), so no engine can hang
 * the control loop; a runtime that never blocks ({@link ContainerRuntime#mayBlock()} false) is
 * called on the caller's thread. Immutable; thread-safe.
 */
final class Node {
  private final ContainerRuntime runtime;
  private final NodeInfo info;
  private final ExecutorService enginePool;
  private final Duration callTimeout;
  private final Consumer<String> lostTrack;
  /** Replica starts running on this node now: at most {@link ContainerRuntime#parallelism()}. */
  private final Semaphore starts;

  /**
   * {@code lostTrack} hears the node's name when a call finds it unavailable or times out (health
   * probes excepted: a slow application is not a slow engine), so that what is known of it is
   * listed again before it is trusted.
   */
  Node(ContainerRuntime runtime, NodeInfo info, ExecutorService enginePool, Duration callTimeout, Consumer<String> lostTrack) {
    this.runtime = runtime;
    this.info = info;
    this.enginePool = enginePool;
    this.callTimeout = callTimeout;
    this.lostTrack = lostTrack;
    this.starts = new Semaphore(Math.max(1, runtime.parallelism()), true);
  }

  /**
   * Runs one replica's create-and-start while holding one of the node's start permits, waiting
   * at most four call timeouts for one (nothing was created then: the slot is simply placed again).
   */
  <T> T starting(String resource, Callable<T> start) {
    long waitMillis = callTimeout.toMillis() * 4;
    try {
      if (!starts.tryAcquire(waitMillis, TimeUnit.MILLISECONDS)) {
        throw new ContainerRuntimeException(name(), resource, "no start slot free on node " + name() + " within "
            + waitMillis + " ms (" + runtime.parallelism() + " starts at once)");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new ContainerRuntimeException(name(), resource, "start of " + resource + " interrupted", e);
    }
    try {
      return start.call();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new ContainerRuntimeException(name(), resource, "start of " + resource + " failed: " + e, e);
    } finally {
      starts.release();
    }
  }

  String name() {
    return info.name();
  }

  NodeInfo info() {
    return info;
  }

  ContainerRuntime runtime() {
    return runtime;
  }

  <T> T call(String operation, String resource, Callable<T> call) {
    return call(operation, resource, callTimeout, call);
  }

  <T> T call(String operation, String resource, Duration timeout, Callable<T> call) {
    try {
      return timed(operation, resource, timeout, call);
    } catch (RuntimeTimeoutException | NodeUnavailableException e) {
      if (!operation.contains("probe")) {
        lostTrack.accept(name());
      }
      throw e;
    }
  }

  private <T> T timed(String operation, String resource, Duration timeout, Callable<T> call) {
    if (!runtime.mayBlock()) {
      try {
        return call.call();
      } catch (RuntimeException e) {
        throw e;
      } catch (Exception e) {
        throw new ContainerRuntimeException(name(), resource, operation + " on node " + name() + " failed: " + e, e);
      }
    }
    Future<T> future;
    try {
      future = enginePool.submit(call);
    } catch (RejectedExecutionException e) {
      throw new ContainerRuntimeException(name(), resource, "engine pool is shut down", e);
    }
    try {
      return future.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      future.cancel(true);
      throw new RuntimeTimeoutException(name(), resource,
          operation + " on node " + name() + " did not answer within " + timeout.toMillis() + " ms");
    } catch (InterruptedException e) {
      future.cancel(true);
      Thread.currentThread().interrupt();
      throw new ContainerRuntimeException(name(), resource, operation + " interrupted", e);
    } catch (ExecutionException e) {
      Throwable cause = e.getCause();
      if (cause instanceof RuntimeException re) {
        throw re;
      }
      throw new ContainerRuntimeException(name(), resource, operation + " on node " + name() + " failed: " + cause, cause);
    }
  }

  void run(String operation, String resource, Runnable call) {
    call(operation, resource, () -> {
      call.run();
      return null;
    });
  }

  Duration callTimeout() {
    return callTimeout;
  }
}
