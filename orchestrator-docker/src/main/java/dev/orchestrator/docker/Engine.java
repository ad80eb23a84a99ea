package dev.orchestrator.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import dev.orchestrator.runtime.ContainerRuntimeException;
import dev.orchestrator.runtime.NodeUnavailableException;
import dev.orchestrator.runtime.RuntimeTimeoutException;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.ConnectException;
import java.net.NoRouteToHostException;
import java.net.SocketException;
import java.net.UnknownHostException;
import java.nio.file.NoSuchFileException;
import java.time.Duration;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/**
 * The one place where calls reach the engine: bounds how many run at once (the connection pool
 * never makes a caller wait longer than the response timeout) and turns docker-java and
 * transport failures into the SPI's exceptions.
 */
final class Engine implements AutoCloseable {
  private final DockerClient client;
  private final String host;
  private final Duration connectTimeout;
  private final Duration responseTimeout;
  private final Semaphore permits;
  private volatile String nodeName;

  Engine(DockerClient client, String host, Duration connectTimeout, Duration responseTimeout, int maxConnections) {
    this.client = client;
    this.host = host;
    this.connectTimeout = connectTimeout;
    this.responseTimeout = responseTimeout;
    // one connection stays free for the event stream
    this.permits = new Semaphore(Math.max(1, maxConnections - 1), true);
    this.nodeName = host;
  }

  /** One client with its own bounded connection pool; the API version is left to negotiation. */
  static Engine connect(DockerClientConfig config, Duration connectTimeout, Duration responseTimeout, int maxConnections) {
    ApacheDockerHttpClient http = new ApacheDockerHttpClient.Builder()
        .dockerHost(config.getDockerHost())
        .sslConfig(config.getSSLConfig())
        .maxConnections(maxConnections)
        .connectionTimeout(connectTimeout)
        .responseTimeout(responseTimeout)
        .build();
    return new Engine(DockerClientImpl.getInstance(config, http), config.getDockerHost().toString(),
        connectTimeout, responseTimeout, maxConnections);
  }

  DockerClient client() {
    return client;
  }

  String host() {
    return host;
  }

  Duration responseTimeout() {
    return responseTimeout;
  }

  /** The node name used in exceptions: the configured or engine name once known, else the host. */
  String node() {
    return nodeName;
  }

  void nodeName(String name) {
    this.nodeName = name;
  }

  /** Runs one engine call holding a connection permit, translating every failure. */
  <T> T call(String what, String resourceId, Supplier<T> call) {
    acquire(what, resourceId);
    try {
      return call.get();
    } catch (ContainerRuntimeException e) {
      throw e;
    } catch (RuntimeException e) {
      throw translate(e, what, resourceId);
    } finally {
      permits.release();
    }
  }

  void run(String what, String resourceId, Runnable call) {
    call(what, resourceId, () -> {
      call.run();
      return null;
    });
  }

  /**
   * Waits for a streaming call to complete within {@code timeout}; on timeout closes the stream
   * and throws {@link RuntimeTimeoutException}. Returns the callback for reading what it gathered.
   */
  <C extends StreamCallback<?>> C await(C callback, Duration timeout, String what, String resourceId) {
    try {
      if (!callback.awaitCompletion(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new RuntimeTimeoutException(node(), resourceId,
            what + " on Docker Engine at " + host + " did not finish within " + seconds(timeout));
      }
      if (callback.error() != null) {
        throw callback.error() instanceof RuntimeException re ? re : new IllegalStateException(callback.error());
      }
      return callback;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      closeQuietly(callback);
      throw new RuntimeTimeoutException(node(), resourceId, what + " interrupted", e);
    }
  }

  private void acquire(String what, String resourceId) {
    try {
      if (!permits.tryAcquire(responseTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
        throw new RuntimeTimeoutException(node(), resourceId,
            what + ": every connection to Docker Engine at " + host + " stayed busy for " + seconds(responseTimeout));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RuntimeTimeoutException(node(), resourceId, what + " interrupted", e);
    }
  }

  /** Maps a failure to the SPI: unreachable engine, timeout, or a refused request. */
  ContainerRuntimeException translate(Throwable e, String what, String resourceId) {
    if (e instanceof ContainerRuntimeException cre) {
      return cre;
    }
    if (e instanceof DockerException de) {
      return new ContainerRuntimeException(node(), resourceId,
          what + " failed on Docker Engine at " + host + " (HTTP " + de.getHttpStatus() + "): " + engineMessage(de), e);
    }
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (isUnreachable(c)) {
        return unavailable(resourceId, c);
      }
      if (c instanceof InterruptedIOException) {
        return new RuntimeTimeoutException(node(), resourceId,
            "Docker Engine at " + host + " did not answer " + what + " within " + seconds(responseTimeout), e);
      }
    }
    return new ContainerRuntimeException(node(), resourceId, what + " failed on Docker Engine at " + host + ": " + e, e);
  }

  NodeUnavailableException unavailable(String resourceId, Throwable cause) {
    return new NodeUnavailableException(node(), resourceId,
        "Docker Engine at " + host + " did not answer within " + seconds(connectTimeout) + " (" + describe(cause) + ")", cause);
  }

  static boolean isUnreachable(Throwable c) {
    String name = c.getClass().getName();
    return c instanceof ConnectException
        || c instanceof NoRouteToHostException
        || c instanceof UnknownHostException
        || c instanceof NoSuchFileException
        || name.endsWith("ConnectTimeoutException")
        || (c instanceof SocketException && String.valueOf(c.getMessage()).matches("(?i).*(refused|no such file|not found).*"));
  }

  private static String describe(Throwable c) {
    String name = c.getClass().getName();
    if (name.endsWith("ConnectTimeoutException")) {
      return "connect timed out";
    }
    return c.getMessage() == null ? c.getClass().getSimpleName() : c.getMessage();
  }

  /** The engine's own message from an error response body, without docker-java's framing. */
  static String engineMessage(DockerException e) {
    String m = String.valueOf(e.getMessage());
    int i = m.indexOf("{\"message\":\"");
    if (i >= 0) {
      int end = m.lastIndexOf("\"}");
      m = end > i + 12 ? m.substring(i + 12, end) : m.substring(i + 12);
    }
    return m.replace("\\\"", "\"").strip();
  }

  static String seconds(Duration d) {
    return d.toMillis() % 1000 == 0 ? d.toSeconds() + " s" : d.toMillis() + " ms";
  }

  static void closeQuietly(AutoCloseable c) {
    try {
      c.close();
    } catch (Exception ignored) {
      // closing a finished or broken stream
    }
  }

  @Override
  public void close() {
    try {
      client.close();
    } catch (IOException e) {
      // the connection pool is gone either way
    }
  }
}
