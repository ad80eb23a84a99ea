package dev.orchestrator.examples;

import dev.orchestrator.Orchestrator;
import dev.orchestrator.ServiceStatus;
import dev.orchestrator.Subscription;
import dev.orchestrator.event.OrchestratorEvent;
import dev.orchestrator.event.OrchestratorEvent.ReplicaFailed;
import dev.orchestrator.event.OrchestratorEvent.ReplicaReady;
import dev.orchestrator.event.OrchestratorEvent.ReplicaRemoved;
import dev.orchestrator.event.OrchestratorEvent.ReplicaRestarting;
import dev.orchestrator.event.OrchestratorEvent.ReplicaStarted;
import dev.orchestrator.registry.Endpoint;
import dev.orchestrator.registry.EndpointSet;
import dev.orchestrator.spec.HealthCheck;
import dev.orchestrator.spec.RestartPolicy;
import dev.orchestrator.spec.ServiceSpec;
import java.io.IOException;
import java.io.PrintStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Predicate;

/**
 * The tour of the SDK in one program: declare a service of three HTTP workers, call them through
 * the registry, crash one and watch it be replaced, scale up and down, and close without leaving
 * a process behind.
 *
 * <p>Run it with {@code scripts/run-example.sh}. It exits 0 when every step worked, 1 otherwise.
 * The replicas run as Docker containers when a Docker Engine answers ({@link DockerBackend}), and
 * as local processes otherwise ({@link ProcessBackend}); {@code --process} or {@code --docker}
 * forces one.
 */
public final class QuickStart {
  static final String SERVICE = "web";
  /** Bound of every wait. */
  static final Duration TIMEOUT = Duration.ofSeconds(60);

  /**
   * What the tour observed.
   *
   * @param endpointCounts ready endpoints after start, after the crash, after scaling up, after scaling down
   * @param killedWorker the worker that was crashed (a pid, or a container's hostname)
   * @param replacementWorker the worker that took its place
   * @param workers every worker seen during the tour
   * @param survivors workers still running after the orchestrator was closed (none, hopefully)
   */
  public record Summary(List<Integer> endpointCounts, String killedWorker, String replacementWorker, Set<String> workers, List<String> survivors) {}

  private final ExampleBackend backend;
  private final PrintStream out;
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
  private final long startNanos = System.nanoTime();

  public QuickStart(ExampleBackend backend, PrintStream out) {
    this.backend = backend;
    this.out = out;
  }

  public static void main(String[] args) {
    int exitCode;
    try (ExampleBackend backend = ExampleBackends.choose(args, System.out)) {
      Summary summary = new QuickStart(backend, System.out).run();
      exitCode = summary.survivors().isEmpty() ? 0 : 1;
    } catch (Exception e) {
      System.err.println("QuickStart FAILED: " + e.getMessage());
      e.printStackTrace();
      exitCode = 1;
    }
    System.exit(exitCode);
  }

  /** Runs the tour; throws on the first step that does not work out within {@link #TIMEOUT}. */
  public Summary run() throws InterruptedException, IOException {
    out.println("QuickStart on " + backend.description());
    List<Integer> counts = new ArrayList<>();
    Set<String> pids = new LinkedHashSet<>();
    String killedPid;
    String replacementPid;

    try (Orchestrator orchestrator = backend.configure(Orchestrator.builder()).eventListener(this::print).build()) {
      step("1. apply '" + SERVICE + "': 3 replicas of " + ExampleBackend.IMAGE + ", ready when GET /health answers");
      ServiceSpec web = ServiceSpec.builder(SERVICE)
          .image(ExampleBackend.IMAGE)
          .port(8080) // a name for the port; each process listens on its own $PORT
          .replicas(3)
          .readiness(HealthCheck.http(8080, "/health").withInterval(Duration.ofMillis(500)))
          .restartPolicy(RestartPolicy.dockerLike()) // restart after 100 ms, doubling
          .stopGracePeriod(Duration.ofSeconds(2))
          .build();
      orchestrator.apply(web);
      awaitReplicas(orchestrator, 3);
      EndpointSet endpoints = awaitEndpoints(orchestrator, "3 endpoints", set -> set.size() == 3);
      counts.add(endpoints.size());
      pids.addAll(callEach(endpoints));

      Endpoint victim = endpoints.endpoints().get(1);
      killedPid = pid(victim);
      step("2. crash " + victim.id() + ": kill worker " + killedPid + " behind the orchestrator's back");
      backend.crash(victim, killedPid);
      endpoints = awaitEndpoints(orchestrator, "a replacement of " + victim.id(),
          set -> set.size() == 3 && !set.endpoints().contains(victim));
      awaitReplicas(orchestrator, 3);
      counts.add(endpoints.size());
      Endpoint replacement = endpoints.endpoints().stream().filter(e -> e.id().equals(victim.id())).findFirst().orElseThrow();
      replacementPid = pid(replacement);
      out.println("  " + victim.id() + " was worker " + killedPid + " on " + victim.address()
          + ", is now worker " + replacementPid + " on " + replacement.address());
      pids.addAll(callEach(endpoints));

      step("3. scale up to 5");
      counts.add(scale(orchestrator, 5, pids));
      step("4. scale down to 2");
      counts.add(scale(orchestrator, 2, pids));

      step("5. status");
      ServiceStatus status = orchestrator.status(SERVICE);
      out.println("  " + status.toString().replace("\n", "\n  "));
      step("6. close: the orchestrator removes every replica it owns");
    }

    List<String> survivors = pids.stream().filter(backend::stillRunning).toList();
    if (survivors.isEmpty()) {
      out.println("clean: no worker left (checked " + pids.size() + " workers)");
    } else {
      out.println("LEAK: workers still running after close: " + survivors);
    }
    return new Summary(List.copyOf(counts), killedPid, replacementPid, Set.copyOf(pids), survivors);
  }

  /** Scales the service, waits until exactly {@code replicas} endpoints are ready, calls them; returns the count. */
  private int scale(Orchestrator orchestrator, int replicas, Set<String> pids) throws InterruptedException, IOException {
    orchestrator.scale(SERVICE, replicas);
    awaitReplicas(orchestrator, replicas);
    EndpointSet endpoints = awaitEndpoints(orchestrator, replicas + " endpoints", set -> set.size() == replicas);
    pids.addAll(callEach(endpoints));
    return endpoints.size();
  }

  /**
   * Waits until the status shows exactly {@code replicas} replicas, all ready. Right after a
   * scale, {@link Orchestrator#awaitReady} may still answer with the previous pass's status (its
   * readiness test ignores the replica count), so the count is checked here too.
   */
  private ServiceStatus awaitReplicas(Orchestrator orchestrator, int replicas) throws InterruptedException {
    long deadline = System.nanoTime() + TIMEOUT.toNanos();
    while (true) {
      ServiceStatus status = orchestrator.awaitReady(SERVICE, Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
      if (status.desiredReplicas() == replicas && status.replicas().size() == replicas) {
        return status;
      }
      if (System.nanoTime() - deadline > 0) {
        throw new IllegalStateException(replicas + " replicas not ready within " + TIMEOUT.toSeconds() + " s: " + status);
      }
      Thread.sleep(50);
    }
  }

  /** Waits, watching the registry, until the service's endpoints satisfy {@code condition}. */
  private EndpointSet awaitEndpoints(Orchestrator orchestrator, String what, Predicate<EndpointSet> condition) throws InterruptedException {
    CompletableFuture<EndpointSet> reached = new CompletableFuture<>();
    try (Subscription watch = orchestrator.registry().watch(SERVICE, set -> {
      if (condition.test(set)) {
        reached.complete(set);
      }
    })) {
      return reached.get(TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
    } catch (TimeoutException e) {
      throw new IllegalStateException("no " + what + " within " + TIMEOUT.toSeconds() + " s; registry: "
          + orchestrator.registry().lookup(SERVICE).endpoints() + "; " + orchestrator.status(SERVICE), e);
    } catch (ExecutionException e) {
      throw new IllegalStateException("watching the registry failed", e.getCause());
    }
  }

  /** Prints the endpoints and each one's answer to {@code GET /}; returns their pids. */
  private List<String> callEach(EndpointSet endpoints) throws IOException, InterruptedException {
    out.println("  registry: " + endpoints.size() + " endpoints (version " + endpoints.version() + ")");
    List<String> pids = new ArrayList<>();
    for (Endpoint e : endpoints.endpoints()) {
      out.printf("    %-6s http://%-16s -> %s%n", e.id(), e.address(), get(e, "/"));
      pids.add(pid(e));
    }
    return pids;
  }

  /** The worker's identity: {@code GET /pid} answers its pid, or its container's hostname on Docker. */
  private String pid(Endpoint endpoint) throws IOException, InterruptedException {
    return get(endpoint, "/pid").strip();
  }

  private String get(Endpoint endpoint, String path) throws IOException, InterruptedException {
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + endpoint.address() + path)).timeout(Duration.ofSeconds(5)).build();
    HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
    if (response.statusCode() != 200) {
      throw new IOException("GET " + request.uri() + " answered " + response.statusCode());
    }
    return response.body().trim();
  }

  private void step(String title) {
    out.printf("%n[%5.1fs] == %s%n", elapsedSeconds(), title);
  }

  /** One line for the events worth watching; the others are left out. */
  private void print(OrchestratorEvent event) {
    String line;
    if (event instanceof ReplicaStarted e) {
      line = "started    " + e.replica() + " on " + e.node();
    } else if (event instanceof ReplicaReady e) {
      line = "ready      " + e.replica();
    } else if (event instanceof ReplicaFailed e) {
      line = "failed     " + e.replica() + " exit code " + e.exitCode() + (e.reason().isEmpty() ? "" : " (" + e.reason() + ")");
    } else if (event instanceof ReplicaRestarting e) {
      line = "restarting " + e.replica() + " in " + e.backoff().toMillis() + " ms (restart " + e.restarts() + ")";
    } else if (event instanceof ReplicaRemoved e) {
      line = "removed    " + e.replica() + (e.reason().isEmpty() ? "" : " (" + e.reason() + ")");
    } else {
      return;
    }
    out.printf("[%5.1fs]    event: %s%n", elapsedSeconds(), line);
  }

  private double elapsedSeconds() {
    return (System.nanoTime() - startNanos) / 1e9;
  }
}
