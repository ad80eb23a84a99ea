package dev.orchestrator.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.DockerClientException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import com.github.dockerjava.api.model.Info;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.LocalDirectorySSLConfig;
import dev.orchestrator.Subscription;
import dev.orchestrator.runtime.ContainerConflictException;
import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.ContainerRequest;
import dev.orchestrator.runtime.ContainerRuntime;
import dev.orchestrator.runtime.EngineDataDirectory;
import dev.orchestrator.runtime.LogStreaming;
import dev.orchestrator.runtime.ContainerRuntimeException;
import dev.orchestrator.runtime.ContainerStats;
import dev.orchestrator.runtime.ExecResult;
import dev.orchestrator.runtime.ImageNotFoundException;
import dev.orchestrator.runtime.NodeInfo;
import dev.orchestrator.runtime.OwnerLabels;
import dev.orchestrator.runtime.RuntimeEvent;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * The {@link ContainerRuntime} of one Docker Engine (one node), over docker-java with the
 * Apache HttpClient 5 transport. Build one with {@link #builder()}; each runtime owns one
 * client with a bounded connection pool and one event stream, released by {@link #close()}.
 *
 * <p>Containers are created with restart policy "no" (the orchestrator restarts them),
 * {@code --init}, {@code no-new-privileges}, their ports published on the node's host address
 * and no swap beyond a memory limit. A container of a service that declares networks is created
 * on the first of them (with the service name and {@code <service>-<slot>} as aliases) instead
 * of the default bridge; those networks must exist, which a Docker network provider ensures. The API version is negotiated on first use (see
 * {@link #apiVersion()}): engines from 20.10 (API 1.41) to current releases work. Every call is
 * bounded: connections by the connect timeout, answers by the response timeout, pulls and builds
 * by the image timeout, exec by its own.
 */
public final class DockerRuntime implements ContainerRuntime, LogStreaming, EngineDataDirectory {
  private final Engine engine;
  private final String configuredNodeName;
  private final Map<String, String> nodeLabels;
  private final String hostAddress;
  private final ImagePuller puller;
  private final Consumer<CreateContainerCmd> customizer;
  private final EventStream events;
  private final Listing listing = new Listing();
  private final ContainerIo io;
  private final int parallelism;
  private volatile boolean nodeResolved;
  /** The engine's DockerRootDir, read with the node info; null until then. */
  private volatile String dataDirectory;

  private DockerRuntime(Builder b, Engine engine) {
    this.engine = engine;
    this.io = new ContainerIo(engine);
    this.configuredNodeName = b.nodeName;
    this.nodeLabels = Map.copyOf(b.nodeLabels);
    this.hostAddress = b.hostAddress;
    this.puller = new ImagePuller(engine, b.pullPolicy, b.imageTimeout);
    this.customizer = b.customizer;
    this.events = new EventStream(engine, b.instanceId, b.connectTimeout, "docker-events-" + engine.host(),
        listing::observe);
    this.nodeResolved = b.nodeName != null;
    this.parallelism = Math.max(1, b.maxConnections - 1); // one connection stays free for the event stream
  }

  /** The connections calls may use at once: {@code maxConnections} less the event stream's. */
  @Override
  public int parallelism() {
    return parallelism;
  }

  /** The node name, asking the engine for its name once when none was configured. */
  private String nodeName() {
    if (!nodeResolved) {
      node();
    }
    return engine.node();
  }

  /** A builder with the defaults described on each of its methods. */
  public static Builder builder() {
    return new Builder();
  }

  /**
   * The Docker API version every request uses ("1.41"): the highest that both the engine and
   * docker-java support, negotiated on first use (this call negotiates if nothing did yet).
   *
   * @throws ContainerRuntimeException if the engine does not answer, or supports no usable version
   */
  public String apiVersion() {
    return engine.call("API version negotiation", "", () -> engine.apiVersion().toString());
  }

  /**
   * Runs one call on this runtime's engine client, for adapters that share the engine (network
   * and volume providers): the call holds one of the runtime's bounded connections, is subject to
   * its response timeout, and any failure comes back as a {@link ContainerRuntimeException}
   * ({@code NodeUnavailableException} when the engine does not answer); an
   * {@link dev.orchestrator.OrchestratorException} thrown by {@code call} itself passes unchanged.
   *
   * @param what a description for errors ("create of network web-net")
   * @param resourceId the id or name the call is about, for errors
   */
  public <T> T call(String what, String resourceId, java.util.function.Function<com.github.dockerjava.api.DockerClient, T> call) {
    return engine.call(what, resourceId, () -> call.apply(engine.client()));
  }

  /**
   * The engine's own message from a refused request, without docker-java's framing: for the
   * failures an adapter catches inside {@link #call}, worded as this runtime words its own errors.
   */
  public static String engineMessage(DockerException e) {
    return Engine.engineMessage(e);
  }

  /** The engine's address as configured ({@code unix:///var/run/docker.sock}, {@code tcp://...}). */
  public String engineHost() {
    return engine.host();
  }

  /** Builds images on this runtime's engine (for engines without a registry). */
  public DockerImages images() {
    return new DockerImages(engine, puller.timeout());
  }

  @Override
  public NodeInfo node() {
    Info info = engine.call("info", "", () -> engine.client().infoCmd().exec());
    String name = configuredNodeName != null ? configuredNodeName : info.getName();
    engine.nodeName(name);
    nodeResolved = true;
    dataDirectory = info.getDockerRootDir();
    long cpus = info.getNCPU() == null ? 0 : info.getNCPU();
    long memory = info.getMemTotal() == null ? 0 : info.getMemTotal();
    return new NodeInfo(name, cpus * 1000, memory, nodeLabels, hostAddress);
  }

  /** The engine's data directory ({@code DockerRootDir} of {@code docker info}), read once. */
  @Override
  public String engineDataDirectory() {
    if (dataDirectory == null) {
      node();
    }
    return dataDirectory == null ? "/var/lib/docker" : dataDirectory;
  }

  @Override
  public void ensureImage(String image) {
    puller.ensure(image);
  }

  @Override
  public String create(ContainerRequest request) {
    String name = request.name();
    String image = request.spec().image();
    return engine.call("create of container " + name, name, () -> {
      DockerClient client = engine.client();
      CreateContainerCmd cmd = client.createContainerCmd(image);
      ContainerMapping.apply(request, hostAddress, cmd);
      customizer.accept(cmd);
      try {
        return cmd.exec().getId();
      } catch (ConflictException e) {
        String existing = client.inspectContainerCmd(name).exec().getId();
        throw new ContainerConflictException(engine.node(), existing,
            "container name " + name + " is taken on node " + engine.node() + " by container " + existing);
      } catch (NotFoundException e) {
        String message = Engine.engineMessage(e);
        if (message.startsWith("network ")) {
          throw new ContainerRuntimeException(engine.node(), name, "cannot create container " + name + " on node "
              + engine.node() + ": " + message + " (its networks are created by the orchestrator's NetworkProvider:"
              + " use a Docker one with a Docker runtime)", e);
        }
        throw new ImageNotFoundException(engine.node(), image,
            "cannot create container " + name + ": image " + image + " is not on node " + engine.node()
                + " (" + Engine.engineMessage(e) + ")", e);
      }
    });
  }

  @Override
  public void start(String containerId) {
    engine.run("start of container " + containerId, containerId, () -> {
      try {
        engine.client().startContainerCmd(containerId).exec();
      } catch (NotModifiedException e) {
        // already running
      } catch (NotFoundException e) {
        throw engine.noSuchContainer(containerId, "start");
      }
    });
  }

  @Override
  public void stop(String containerId, Duration grace) {
    int seconds = (int) Math.max(0, (grace.toMillis() + 999) / 1000);
    if (grace.plusSeconds(5).compareTo(engine.responseTimeout()) > 0) {
      new LongStop(engine, containerId, grace).run();
      return;
    }
    engine.run("stop of container " + containerId, containerId, () -> {
      try {
        engine.client().stopContainerCmd(containerId).withTimeout(seconds).exec();
      } catch (NotModifiedException | NotFoundException e) {
        // not running, or gone: nothing to stop
      }
    });
  }

  @Override
  public void remove(String containerId) {
    engine.run("removal of container " + containerId, containerId, () -> {
      try {
        engine.client().removeContainerCmd(containerId).withForce(true).withRemoveVolumes(false).exec();
        listing.forget(containerId);
      } catch (NotFoundException e) {
        // already gone
      } catch (ConflictException e) {
        if (!Engine.engineMessage(e).contains("already in progress")) {
          throw e;
        }
      }
    });
  }

  @Override
  public List<ContainerInfo> list(Map<String, String> labelSelector) {
    String node = nodeName();
    // the event stream reports the deaths of this instance's containers: then live ones need no inspect
    boolean trusted = labelSelector.containsKey(OwnerLabels.INSTANCE) && events.covers(labelSelector.get(OwnerLabels.INSTANCE));
    return engine.call("list of containers " + labelSelector, "", () -> listing.infos(
        engine.client().listContainersCmd().withShowAll(true).withLabelFilter(labelSelector).exec(),
        trusted, node, hostAddress, id -> inspectRaw(id).map(i -> ContainerMapping.info(i, node, hostAddress))));
  }

  @Override
  public Optional<ContainerInfo> inspect(String containerId) {
    String node = nodeName();
    return engine.call("inspect of container " + containerId, containerId,
        () -> inspectRaw(containerId).map(i -> listing.inspected(ContainerMapping.info(i, node, hostAddress))));
  }

  private Optional<InspectContainerResponse> inspectRaw(String containerId) {
    try {
      return Optional.of(engine.client().inspectContainerCmd(containerId).exec());
    } catch (NotFoundException e) {
      return Optional.empty();
    }
  }

  /**
   * Delivers events of containers carrying the ownership label (of the configured instance, if
   * any). The stream is a hint: it reconnects after failures and may drop events, so callers
   * also re-list periodically.
   */
  @Override
  public Subscription subscribe(Consumer<RuntimeEvent> listener) {
    Objects.requireNonNull(listener, "listener");
    try {
      nodeName(); // events carry the node's name
    } catch (ContainerRuntimeException e) {
      // an engine that is down now is reported as NODE_UNAVAILABLE by the stream
    }
    return events.subscribe(listener);
  }

  @Override
  public ContainerStats stats(String containerId) {
    return io.stats(containerId);
  }

  @Override
  public Subscription followLogs(String containerId, int tailLines, Consumer<String> lines) {
    return io.followLogs(containerId, tailLines, lines);
  }

  @Override
  public List<String> logs(String containerId, int tailLines) {
    return io.logs(containerId, tailLines);
  }

  /** Runs the command; when {@code timeout} passes first it throws and the command may keep running. */
  @Override
  public ExecResult exec(String containerId, List<String> command, Duration timeout) {
    return io.exec(containerId, command, timeout);
  }

  /** Closes the event stream and the client's connections; containers keep running. */
  @Override
  public void close() {
    events.close();
    engine.close();
  }

  @Override
  public String toString() {
    return "DockerRuntime{" + engine.host() + "}";
  }

  /** Settings of a {@link DockerRuntime}; not thread-safe. */
  public static final class Builder {
    private String dockerHost;
    private Boolean tlsVerify;
    private String certPath;
    private String nodeName;
    private final Map<String, String> nodeLabels = new TreeMap<>();
    private String hostAddress;
    private Duration connectTimeout = Duration.ofSeconds(5);
    private Duration responseTimeout = Duration.ofSeconds(30);
    private Duration imageTimeout = Duration.ofMinutes(5);
    private int maxConnections = 9;
    private PullPolicy pullPolicy = PullPolicy.IF_MISSING;
    private String instanceId;
    private Consumer<CreateContainerCmd> customizer = cmd -> {};

    private Builder() {}

    /** The engine's address ({@code unix:///...} or {@code tcp://host:port}); default DOCKER_HOST or the local socket. */
    public Builder dockerHost(String uri) {
      this.dockerHost = Objects.requireNonNull(uri, "dockerHost");
      return this;
    }

    /**
     * Mutual TLS with the client key and certificates in {@code certPath}, in docker's layout
     * (ca.pem, cert.pem, key.pem); default DOCKER_TLS_VERIFY / DOCKER_CERT_PATH. {@link #build()}
     * fails when a file is missing or unreadable (never falls back to plain HTTP).
     */
    public Builder tls(Path certPath) {
      this.tlsVerify = true;
      this.certPath = Objects.requireNonNull(certPath, "certPath").toAbsolutePath().toString();
      return this;
    }

    /** The node's name; default the engine's own name. */
    public Builder nodeName(String name) {
      this.nodeName = Objects.requireNonNull(name, "nodeName");
      return this;
    }

    /** Adds a node label, matched by placement constraints. */
    public Builder nodeLabel(String key, String value) {
      nodeLabels.put(Objects.requireNonNull(key, "key"), Objects.requireNonNull(value, "value"));
      return this;
    }

    public Builder nodeLabels(Map<String, String> labels) {
      labels.forEach(this::nodeLabel);
      return this;
    }

    /**
     * The IP address ports are published on and reported with; default 127.0.0.1 for a local
     * engine, the engine's host for a {@code tcp://} one.
     */
    public Builder hostAddress(String address) {
      this.hostAddress = Objects.requireNonNull(address, "hostAddress");
      return this;
    }

    /** How long connecting to the engine may take; default 5 s. */
    public Builder connectTimeout(Duration timeout) {
      this.connectTimeout = positive(timeout, "connectTimeout");
      return this;
    }

    /** How long the engine may stay silent while answering one call; default 30 s. */
    public Builder responseTimeout(Duration timeout) {
      this.responseTimeout = positive(timeout, "responseTimeout");
      return this;
    }

    /** How long one pull or image build may take; default 5 min. */
    public Builder imageTimeout(Duration timeout) {
      this.imageTimeout = positive(timeout, "imageTimeout");
      return this;
    }

    /**
     * Size of the connection pool; one connection is kept for the event stream, the others carry
     * calls, and the orchestrator starts at most that many replicas at once on this engine
     * ({@link DockerRuntime#parallelism()}). Default 9 (8 calls at once: more only queue inside the engine), at least 2.
     */
    public Builder maxConnections(int max) {
      if (max < 2) {
        throw new IllegalArgumentException("maxConnections must be at least 2, was " + max);
      }
      this.maxConnections = max;
      return this;
    }

    /** When {@link DockerRuntime#ensureImage} pulls; default {@link PullPolicy#IF_MISSING}. */
    public Builder pullPolicy(PullPolicy policy) {
      this.pullPolicy = Objects.requireNonNull(policy, "pullPolicy");
      return this;
    }

    /** Limits events to containers of this orchestrator instance; default every owned container. */
    public Builder instanceId(String instanceId) {
      this.instanceId = Objects.requireNonNull(instanceId, "instanceId");
      return this;
    }

    /** The escape hatch: adjusts every create command after the spec was mapped onto it. */
    public Builder createCustomizer(Consumer<CreateContainerCmd> customizer) {
      this.customizer = Objects.requireNonNull(customizer, "customizer");
      return this;
    }

    /**
     * Creates the runtime; no engine call happens until the first method call.
     *
     * @throws IllegalArgumentException if TLS is asked for (here or by DOCKER_TLS_VERIFY) and the
     *     certificate directory lacks ca.pem, cert.pem or key.pem, or they cannot be read
     */
    public DockerRuntime build() {
      if (tlsVerify != null) {
        checkCertPath(certPath, "tls(certPath)");
      }
      DefaultDockerClientConfig.Builder config = DefaultDockerClientConfig.createDefaultConfigBuilder();
      if (dockerHost != null) {
        config.withDockerHost(dockerHost);
      }
      if (tlsVerify != null) {
        config.withDockerTlsVerify(tlsVerify).withDockerCertPath(certPath);
      }
      DefaultDockerClientConfig cfg;
      try {
        cfg = config.build();
      } catch (DockerClientException e) {
        throw new IllegalArgumentException("invalid Docker client configuration: " + e.getMessage(), e);
      }
      URI host = cfg.getDockerHost();
      if (cfg.getSSLConfig() instanceof LocalDirectorySSLConfig tls) {
        // docker-java quietly speaks plain HTTP when a file is missing: refuse instead
        checkCertPath(tls.getDockerCertPath(), tlsVerify != null ? "tls(certPath)" : "DOCKER_CERT_PATH");
        try {
          tls.getSSLContext();
        } catch (RuntimeException e) {
          throw new IllegalArgumentException("cannot use the TLS files in " + tls.getDockerCertPath()
              + " for Docker Engine at " + host + ": " + e.getMessage(), e);
        }
      }
      if (hostAddress == null) {
        hostAddress = "tcp".equals(host.getScheme()) && host.getHost() != null ? host.getHost() : "127.0.0.1";
      }
      Engine engine = Engine.connect(cfg, connectTimeout, responseTimeout, maxConnections);
      if (nodeName != null) {
        engine.nodeName(nodeName);
      }
      return new DockerRuntime(this, engine);
    }

    private static void checkCertPath(String dir, String source) {
      for (String file : List.of("ca.pem", "cert.pem", "key.pem")) {
        Path path = Path.of(dir, file);
        if (!Files.isRegularFile(path) || !Files.isReadable(path)) {
          throw new IllegalArgumentException("TLS to the Docker Engine needs ca.pem, cert.pem and key.pem in the"
              + " directory of " + source + ", but " + path + (Files.exists(path) ? " cannot be read" : " does not exist"));
        }
      }
    }

    private static Duration positive(Duration d, String what) {
      if (d == null || d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(what + " must be positive, was " + d);
      }
      return d;
    }
  }
}
