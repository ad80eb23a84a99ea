package dev.orchestrator.bench;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.RestartPolicy;
import com.github.dockerjava.core.DefaultDockerClientConfig;
import com.github.dockerjava.core.DockerClientImpl;
import com.github.dockerjava.httpclient5.ApacheDockerHttpClient;
import dev.orchestrator.docker.DockerRuntime;
import dev.orchestrator.spec.HealthCheck;
import dev.orchestrator.spec.PortSpec;
import dev.orchestrator.spec.ServiceSpec;
import java.io.IOException;
import java.net.HttpURLConnection;
import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;

/**
 * What every benchmark shares: the image, the container every side starts (BusyBox
 * {@code httpd -f -p 8080 -h /etc}, ready when {@code GET /hostname} answers 200), a raw
 * docker-java client for the reference measurements, the ownership label of this run and the
 * cleanup by that label.
 *
 * <p>Every container a benchmark creates (orchestrator, raw docker-java, Testcontainers) carries
 * {@value #LABEL}={@link #runId()}; {@link #close()} removes exactly those, and nothing else.
 */
final class Bench implements AutoCloseable {
  static final String IMAGE = "orchestrator-bench/busybox:1";
  static final String LABEL = "orchestrator-bench.run";
  static final List<String> HTTPD = List.of("httpd", "-f", "-p", "8080", "-h", "/etc");
  static final String READY_PATH = "/hostname";
  /** Readiness poll interval of every side (orchestrator probe, raw loop, Testcontainers' wait). */
  static final Duration POLL = Duration.ofMillis(50);
  /** How often the orchestrator probes a replica's readiness once it was ready (see {@link #service(String)}); 1 s unless a bench sets it. */
  static Duration steadyProbe = Duration.ofSeconds(1);

  private final String runId = "b" + UUID.randomUUID().toString().substring(0, 8);
  private final DockerClient raw;
  private final DockerRuntime images;
  private final Thread cleanupHook;
  /** Orchestrators to stop before removing by label, so that none re-creates what the cleanup removes. */
  private final List<AutoCloseable> stopFirst = new java.util.concurrent.CopyOnWriteArrayList<>();

  Bench(int rawConnections) {
    DefaultDockerClientConfig cfg = DefaultDockerClientConfig.createDefaultConfigBuilder().build();
    ApacheDockerHttpClient http = new ApacheDockerHttpClient.Builder()
        .dockerHost(cfg.getDockerHost())
        .sslConfig(cfg.getSSLConfig())
        .maxConnections(rawConnections)
        .connectionTimeout(Duration.ofSeconds(5))
        .responseTimeout(Duration.ofSeconds(60))
        .build();
    this.raw = DockerClientImpl.getInstance(cfg, http);
    this.images = DockerRuntime.builder().build();
    images.images().busybox(IMAGE);
    this.cleanupHook = new Thread(this::onExit, "bench-cleanup");
    Runtime.getRuntime().addShutdownHook(cleanupHook);
  }

  /** Registers an orchestrator (or anything) to close first when the JVM exits before the bench ends. */
  <T extends AutoCloseable> T stopOnExit(T closeable) {
    stopFirst.add(closeable);
    return closeable;
  }

  /** The shutdown hook: stop every registered orchestrator, then remove by label. */
  private void onExit() {
    for (AutoCloseable c : stopFirst) {
      try {
        c.close();
      } catch (Exception e) {
        System.err.println("closing " + c + " on exit failed: " + e);
      }
    }
    cleanup();
  }

  String runId() {
    return runId;
  }

  Map<String, String> label() {
    return Map.of(LABEL, runId);
  }

  /** A DockerRuntime of the bench's own (not the orchestrator's), for side measurements. */
  DockerRuntime runtime() {
    return images;
  }

  DockerClient raw() {
    return raw;
  }

  /**
   * The orchestrator's service: the same container, HTTP readiness every {@link #POLL} until ready
   * (its start interval, as the raw side polls), then every {@link #steadyProbe}: the orchestrator
   * keeps probing a ready replica, raw stops polling.
   */
  ServiceSpec.Builder service(String name) {
    ServiceSpec.Builder b = service(name, steadyProbe);
    return b.readiness(b.build().readiness().orElseThrow().withStartInterval(POLL));
  }

  /** The orchestrator's service with one readiness interval throughout, ready or not. */
  ServiceSpec.Builder service(String name, Duration readinessInterval) {
    return ServiceSpec.builder(name)
        .image(IMAGE)
        .command(HTTPD)
        .port(PortSpec.tcp("http", 8080))
        .label(LABEL, runId)
        .stopGracePeriod(Duration.ZERO)
        .readiness(HealthCheck.http(8080, READY_PATH).withInterval(readinessInterval).withTimeout(Duration.ofSeconds(1)));
  }

  /**
   * The raw reference: creates the container as the Docker runtime would (same image, command,
   * port published on 127.0.0.1, {@code --init}, restart "no", no-new-privileges, labels), starts
   * it and polls {@code GET /hostname} every {@link #POLL} until it answers 200.
   * Returns the container id.
   */
  String rawCreateStartReady(String name) throws InterruptedException {
    String id = rawCreate(name);
    raw.startContainerCmd(id).exec();
    awaitHttp(hostPort(id), Duration.ofSeconds(60));
    return id;
  }

  String rawCreate(String name) {
    return rawCreate(name, true);
  }

  /**
   * Creates the bench container with docker-java; {@code likeRuntime}: with the Docker runtime's
   * host settings ({@code --init}, restart "no", no-new-privileges, stop timeout 0), else bare
   * (image, command, label and the published port only).
   */
  String rawCreate(String name, boolean likeRuntime) {
    ExposedPort http = ExposedPort.tcp(8080);
    HostConfig host = HostConfig.newHostConfig()
        .withPortBindings(List.of(new PortBinding(Ports.Binding.bindIp("127.0.0.1"), http)));
    CreateContainerCmd cmd = raw.createContainerCmd(IMAGE)
        .withName(name)
        .withCmd(HTTPD)
        .withLabels(label())
        .withExposedPorts(http)
        .withHostConfig(host);
    if (likeRuntime) {
      host.withInit(true)
          .withRestartPolicy(RestartPolicy.noRestart())
          .withSecurityOpts(List.of("no-new-privileges"));
      cmd.withStopTimeout(0);
    }
    return cmd.exec().getId();
  }

  int hostPort(String id) {
    Ports.Binding[] b = raw.inspectContainerCmd(id).exec().getNetworkSettings().getPorts().getBindings()
        .get(ExposedPort.tcp(8080));
    return Integer.parseInt(b[0].getHostPortSpec());
  }

  /** Polls {@code http://127.0.0.1:port/hostname} every {@link #POLL} until it answers 2xx. */
  static void awaitHttp(int port, Duration timeout) throws InterruptedException {
    long deadline = System.nanoTime() + timeout.toNanos();
    URI uri = URI.create("http://127.0.0.1:" + port + READY_PATH);
    while (true) {
      long attempt = System.nanoTime();
      if (httpOk(uri)) {
        return;
      }
      if (System.nanoTime() > deadline) {
        throw new IllegalStateException(uri + " not ready within " + timeout);
      }
      long wait = POLL.toNanos() - (System.nanoTime() - attempt);
      if (wait > 0) {
        Thread.sleep(wait / 1_000_000, (int) (wait % 1_000_000));
      }
    }
  }

  private static boolean httpOk(URI uri) {
    try {
      HttpURLConnection c = (HttpURLConnection) uri.toURL().openConnection();
      c.setConnectTimeout(1000);
      c.setReadTimeout(1000);
      try {
        int code = c.getResponseCode();
        return code >= 200 && code < 400;
      } finally {
        c.disconnect();
      }
    } catch (IOException e) {
      return false;
    }
  }

  void rawRemove(String id) {
    try {
      raw.removeContainerCmd(id).withForce(true).exec();
    } catch (NotFoundException e) {
      // gone
    }
  }

  /** Containers of this run still present (any state). */
  List<Container> leftovers() {
    return raw.listContainersCmd().withShowAll(true).withLabelFilter(label()).exec();
  }

  /** Removes every container labelled with this run's id; only those. */
  synchronized void cleanup() {
    try {
      List<Container> left = leftovers();
      java.util.concurrent.ExecutorService pool = java.util.concurrent.Executors.newFixedThreadPool(4);
      try {
        for (Container c : left) {
          pool.submit(() -> rawRemove(c.getId()));
        }
      } finally {
        pool.shutdown();
        pool.awaitTermination(5, java.util.concurrent.TimeUnit.MINUTES);
      }
      for (int pass = 0; pass < 3 && !leftovers().isEmpty(); pass++) {
        for (Container c : leftovers()) {
          rawRemove(c.getId());
        }
      }
      if (!left.isEmpty()) {
        System.out.printf(Locale.ROOT, "cleanup: removed %d container(s) labelled %s=%s%n", left.size(), LABEL, runId);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (RuntimeException e) {
      System.err.println("cleanup of " + LABEL + "=" + runId + " failed: " + e
          + " (remove by hand: docker rm -f $(docker ps -aq --filter label=" + LABEL + "=" + runId + "))");
    }
  }

  @Override
  public void close() {
    cleanup();
    try {
      Runtime.getRuntime().removeShutdownHook(cleanupHook);
    } catch (IllegalStateException shuttingDown) {
      // the hook is running
    }
    images.close();
    try {
      raw.close();
    } catch (IOException e) {
      // closing
    }
  }

  static String arg(String[] args, String name, String dflt) {
    for (String a : args) {
      if (a.startsWith("--" + name + "=")) {
        return a.substring(name.length() + 3);
      }
    }
    return dflt;
  }

  /** Reconcile passes so far: {count, total ms, max ms} of the orchestrator.reconcile.duration timers. */
  static double[] passes(io.micrometer.core.instrument.MeterRegistry registry) {
    double count = 0;
    double total = 0;
    double max = 0;
    for (io.micrometer.core.instrument.Timer t : registry.find("orchestrator.reconcile.duration").timers()) {
      count += t.count();
      total += t.totalTime(java.util.concurrent.TimeUnit.MILLISECONDS);
      max = Math.max(max, t.max(java.util.concurrent.TimeUnit.MILLISECONDS));
    }
    return new double[] {count, total, max};
  }

  /** Prints the engine calls the orchestrator made and its reconcile passes since {@code before}. */
  static void printCosts(String what, TimedRuntime timed, io.micrometer.core.instrument.MeterRegistry registry, double[] before) {
    double[] now = passes(registry);
    Stats.table("Orchestrator engine calls during " + what, TimedRuntime.HEADER, timed.rows());
    double count = now[0] - before[0];
    double total = now[1] - before[1];
    Stats.table("Orchestrator reconcile passes during " + what,
        List.of("passes", "mean ms", "total ms", "max ms (recent)"),
        List.of(List.of(Stats.f(count), Stats.f(total / Math.max(1, count)), Stats.f(total), Stats.f(now[2]))));
  }

  static double ms(long nanos) {
    return nanos / 1e6;
  }

  static List<Double> copy(List<Double> l) {
    return new ArrayList<>(l);
  }
}
