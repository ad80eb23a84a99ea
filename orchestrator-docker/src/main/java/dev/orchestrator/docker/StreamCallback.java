package dev.orchestrator.docker;

import com.github.dockerjava.api.async.ResultCallback;

/**
 * A docker-java callback that keeps its failure for the caller instead of logging it at ERROR
 * level (docker-java's default); {@link Engine#await} rethrows it translated.
 */
abstract class StreamCallback<T> extends ResultCallback.Adapter<T> {
  private volatile Throwable error;

  @Override
  public void onError(Throwable throwable) {
    if (error == null) {
      error = throwable;
    }
    Engine.closeQuietly(this);
  }

  Throwable error() {
    return error;
  }
}
