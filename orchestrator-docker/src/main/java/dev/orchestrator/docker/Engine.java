package dev.orchestrator.docker;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.model.Version;
import com.github.dockerjava.core.DockerClientConfig;
import com.github.dockerjava.core.DockerClientConfigDelegate;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.core.LocalDirectorySSLConfig;
import com.github.dockerjava.core.RemoteApiVersion;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import com.github.dockerjava.transport.DockerHttpClient;
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
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Supplier;
import javax.net.ssl.SSLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The one place where calls reach the engine: bounds how many run at once (the connection pool
 * never makes a caller wait longer than the response timeout) and turns docker-java and
 * transport failures into the SPI's exceptions.
 *
 * <p>The API version is negotiated on first use: an unversioned {@code GET /version} over the
 * same transport, then every request is pinned to {@link ApiVersion#negotiate the chosen version}.
 * A failed negotiation (engine down, version refused) is retried by the next call.
 */
final class Engine implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(Engine.class);
  /**
   * docker-java's JSON mapper, one for every engine in this JVM. docker-java gives each client config a fresh copy, and
   * a fresh mapper introspects every response type again by reflection (its serializer and deserializer caches are per
   * mapper): about a CPU second per new runtime here on its first creates, starts and inspects. The mapper is
   * thread-safe once configured and nothing configures it after this line.
   */
  private static final ObjectMapper MAPPER = DockerClientConfig.getDefaultObjectMapper();

  private final DockerClientConfig config;
  private final DockerHttpClient http;
  private final String host;
  private final Duration connectTimeout;
  private final Duration responseTimeout;
  private final Semaphore permits;
  private final ReentrantLock negotiation = new ReentrantLock();
  private volatile DockerClient client;
  private volatile ApiVersion apiVersion;
  private volatile String nodeName;

  Engine(DockerClientConfig config, DockerHttpClient http, Duration connectTimeout, Duration responseTimeout, int maxConnections) {
    this.config = config;
    this.http = http;
    this.host = config.getDockerHost().toString();
    this.connectTimeout = connectTimeout;
    this.responseTimeout = responseTimeout;
    // one connection stays free for the event stream
    this.permits = new Semaphore(Math.max(1, maxConnections - 1), true);
    this.nodeName = host;
  }

  /** One transport with its own bounded connection pool; no engine call happens yet. */
  static Engine connect(DockerClientConfig config, Duration connectTimeout, Duration responseTimeout, int maxConnections) {
    ApacheDockerHttpClient http = new ApacheDockerHttpClient.Builder()
        .dockerHost(config.getDockerHost())
        .sslConfig(config.getSSLConfig())
        .maxConnections(maxConnections)
        .connectionTimeout(connectTimeout)
        .responseTimeout(responseTimeout)
        .build();
    return new Engine(config, http, connectTimeout, responseTimeout, maxConnections);
  }

  /** The client pinned to the negotiated API version, negotiating first if needed. */
  DockerClient client() {
    DockerClient c = client;
    return c != null ? c : negotiate();
  }

  /** The negotiated API version, negotiating first if needed. */
  ApiVersion apiVersion() {
    client();
    return apiVersion;
  }

  private DockerClient negotiate() {
    try {
      if (!negotiation.tryLock(connectTimeout.plus(responseTimeout).toMillis(), TimeUnit.MILLISECONDS)) {
        throw new RuntimeTimeoutException(node(), "", "API version negotiation with Docker Engine at " + host
            + " did not finish within " + seconds(connectTimeout.plus(responseTimeout)));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RuntimeTimeoutException(node(), "", "API version negotiation interrupted", e);
    }
    try {
      if (client != null) {
        return client;
      }
      Version version = DockerClientImpl.getInstance(pinned(RemoteApiVersion.unknown()), http).versionCmd().exec();
      ApiVersion chosen;
      try {
        chosen = ApiVersion.negotiate(version.getApiVersion(), version.getMinAPIVersion());
      } catch (IllegalStateException e) {
        throw new ContainerRuntimeException(node(), "", "Docker Engine at " + host + " cannot be used: " + e.getMessage(), e);
      }
      log.info("Docker Engine at {} speaks API {} (minimum {}); using API {}",
          host, version.getApiVersion(), version.getMinAPIVersion(), chosen);
      apiVersion = chosen;
      client = DockerClientImpl.getInstance(pinned(chosen.toRemote()), http);
      return client;
    } finally {
      negotiation.unlock();
    }
  }

  /** The configuration with its API version replaced. */
  private DockerClientConfig pinned(RemoteApiVersion version) {
    return new DockerClientConfigDelegate(config) {
      @Override
      public RemoteApiVersion getApiVersion() {
        return version;
      }

      @Override
      public ObjectMapper getObjectMapper() {
        return MAPPER;
      }
    };
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
    } catch (dev.orchestrator.OrchestratorException e) {
      throw e; // already the library's own (ContainerRuntimeException, or an adapter's decision)
    } catch (RuntimeException e) {
      throw translate(e, what, resourceId);
    } finally {
      permits.release();
    }
  }

  /** Whether the engine has an image of this name (or id). */
  boolean imageExists(String image) {
    return call("inspect of image " + image, image, () -> {
      try {
        client().inspectImageCmd(image).exec();
        return true;
      } catch (com.github.dockerjava.api.exception.NotFoundException e) {
        return false;
      }
    });
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
      String message = engineMessage(de);
      if (de.getHttpStatus() == 400 && message.contains("HTTP request to an HTTPS server")) {
        message += " The engine requires TLS: configure DockerRuntime.Builder.tls(certPath) or DOCKER_TLS_VERIFY=1 and"
            + " DOCKER_CERT_PATH.";
      }
      return new ContainerRuntimeException(node(), resourceId,
          what + " failed on Docker Engine at " + host + " (HTTP " + de.getHttpStatus() + "): " + message, e);
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
    Throwable tls = tlsFailure(e);
    if (tls != null) {
      return new ContainerRuntimeException(node(), resourceId, what + " failed on Docker Engine at " + host
          + ": TLS handshake failed (" + (tls instanceof SSLException ? "" : "the connection broke during the handshake: ")
          + describe(tls) + "). The engine refuses a client certificate that its CA did not"
          + " sign, and the client refuses an engine certificate that is not signed by ca.pem or not issued for this"
          + " address" + certPathHint(), e);
    }
    return new ContainerRuntimeException(node(), resourceId, what + " failed on Docker Engine at " + host + ": " + e, e);
  }

  /** The error for a per-container call on a container the engine does not know. */
  ContainerRuntimeException noSuchContainer(String containerId, String action) {
    return new ContainerRuntimeException(node(), containerId,
        "cannot " + action + " container " + containerId + ": no such container on node " + node());
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
        || (c instanceof SocketException && String.valueOf(c.getMessage()).matches("(?i).*(refused|no such file|not found|unreachable).*"));
  }

  /**
   * The TLS failure in a cause chain: an {@link SSLException}, or a socket error while the TLS
   * handshake ran (an engine that refuses the client certificate may close the connection before
   * the client reads its alert: "Broken pipe", "Connection reset"). Null if none.
   */
  static Throwable tlsFailure(Throwable e) {
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof SSLException) {
        return c;
      }
    }
    for (Throwable c = e; c != null; c = c.getCause()) {
      if (c instanceof SocketException) {
        for (StackTraceElement frame : c.getStackTrace()) {
          if ("startHandshake".equals(frame.getMethodName()) && frame.getClassName().contains(".ssl.")) {
            return c;
          }
        }
      }
    }
    return null;
  }

  private String certPathHint() {
    return config.getSSLConfig() instanceof LocalDirectorySSLConfig dir
        ? " (client certificates from " + dir.getDockerCertPath() + ")." : ".";
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
      http.close();
    } catch (IOException e) {
      // the connection pool is gone either way
    }
  }
}
