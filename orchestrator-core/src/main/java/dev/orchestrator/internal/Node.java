package dev.orchestrator.internal;

import dev.orchestrator.runtime.ContainerRuntime;
import dev.orchestrator.runtime.ContainerRuntimeException;
import dev.orchestrator.runtime.NodeInfo;
import dev.orchestrator.runtime.RuntimeTimeoutException;
import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * One node's runtime behind a deadline: every call runs on the bounded engine pool and the
 * caller waits at most {@code callTimeout} (plus the stop grace for stops), so no engine can hang
 * the control loop. Immutable; thread-safe.
 */
final class Node {
  private final ContainerRuntime runtime;
  private final NodeInfo info;
  private final ExecutorService enginePool;
  private final Duration callTimeout;

  Node(ContainerRuntime runtime, NodeInfo info, ExecutorService enginePool, Duration callTimeout) {
    this.runtime = runtime;
    this.info = info;
    this.enginePool = enginePool;
    this.callTimeout = callTimeout;
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
