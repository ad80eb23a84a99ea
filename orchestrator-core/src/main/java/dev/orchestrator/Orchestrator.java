package dev.orchestrator;

import dev.orchestrator.event.EventListener;
import dev.orchestrator.internal.ControlPlane;
import dev.orchestrator.network.InMemoryNetworkProvider;
import dev.orchestrator.network.NetworkProvider;
import dev.orchestrator.process.ProcessRuntime;
import dev.orchestrator.registry.InMemoryServiceRegistry;
import dev.orchestrator.registry.ServiceRegistry;
import dev.orchestrator.runtime.ContainerRuntime;
import dev.orchestrator.runtime.ContainerStats;
import dev.orchestrator.scheduling.Scheduler;
import dev.orchestrator.scheduling.SpreadScheduler;
import dev.orchestrator.spec.NetworkSpec;
import dev.orchestrator.spec.ServiceSpec;
import dev.orchestrator.spec.SpecValidator;
import dev.orchestrator.spec.VolumeSpec;
import dev.orchestrator.storage.InMemoryVolumeProvider;
import dev.orchestrator.storage.VolumeProvider;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.UUID;
import java.util.regex.Pattern;

/**
 * An embedded orchestrator: declare services and it keeps reality equal to the declaration:
 * places replicas on nodes, restarts what fails, publishes ready replicas in the registry, and
 * removes what is no longer declared.
 *
 * <pre>{@code
 * try (Orchestrator o = Orchestrator.builder().build()) {        // local process node, in-memory rest
 *   o.apply(ServiceSpec.builder("web").image("/bin/sh")             // each process listens on $PORT
 *       .command("-c", "exec python3 -m http.server \"$PORT\" --bind 127.0.0.1")
 *       .port(8000).readiness(HealthCheck.http(8000, "/")).replicas(3).build());
 *   o.awaitReady("web", Duration.ofSeconds(30));
 *   o.registry().lookup("web").endpoints().forEach(System.out::println);
 * }
 * }</pre>
 *
 * <p>Thread-safe. Build one with {@link #builder()}; it runs until {@link #close()}, which
 * removes what it owns unless {@link Builder#keepOnClose(boolean) told to keep it}. Several
 * orchestrators can live in one JVM; each owns only what carries its instance id.
 */
public final class Orchestrator implements AutoCloseable {
  private final ControlPlane plane;

  private Orchestrator(ControlPlane plane) {
    this.plane = plane;
  }

  public static Builder builder() {
    return new Builder();
  }

  /**
   * Declares a service (validated first; nothing is created for an invalid spec). Re-applying an
   * equal spec is a no-op; a new replica count scales; any other change (a new spec hash) is
   * rolled out per the spec's {@link dev.orchestrator.spec.UpdatePolicy}. Returns whether the
   * declaration changed.
   *
   * @throws dev.orchestrator.spec.ValidationException listing every problem of the spec
   */
  public boolean apply(ServiceSpec spec) {
    return plane.apply(Objects.requireNonNull(spec, "spec"));
  }

  /** Declares a volume's settings (driver, options, retention) before services mount it. */
  public void apply(VolumeSpec spec) {
    plane.apply(Objects.requireNonNull(spec, "spec"));
  }

  /** Declares a network's settings before services join it. */
  public void apply(NetworkSpec spec) {
    plane.apply(Objects.requireNonNull(spec, "spec"));
  }

  /** Changes only the replica count of a declared service. */
  public void scale(String service, int replicas) {
    ServiceSpec spec = plane.spec(service).orElseThrow(() -> new OrchestratorException("no service '" + service + "' is declared"));
    apply(spec.withReplicas(replicas));
  }

  /**
   * Stops the service's rollout: no further outdated replica is replaced (a replacement in flight
   * finishes) until {@link #resumeRollout}; rollouts of specs applied meanwhile wait too.
   *
   * @throws OrchestratorException if the service is not declared
   */
  public void pauseRollout(String service) {
    plane.pauseRollout(service);
  }

  /** Goes on with a rollout that was paused, or stopped by failed new replicas (their count starts again at 0). */
  public void resumeRollout(String service) {
    plane.resumeRollout(service);
  }

  /**
   * Declares again the service's previous fully-ready spec (with the current replica count and
   * update policy) and rolls out to it: during a rollout, the spec it replaces; otherwise the
   * fully-ready spec before the current one. Returns the hash rolled back to.
   *
   * @throws OrchestratorException if the service is not declared or this orchestrator has seen no
   *     earlier fully-ready spec of it
   */
  public String rollback(String service) {
    return plane.rollback(service);
  }

  /**
   * Deletes a service: its replicas are withdrawn from the registry, stopped with their grace
   * period and removed; its volumes follow their retention. Returns false if it was not declared.
   */
  public boolean delete(String service) {
    return plane.delete(service);
  }

  /** The declared spec of a service. */
  public Optional<ServiceSpec> spec(String service) {
    return plane.spec(service);
  }

  /** Every declared service by name. */
  public Map<String, ServiceSpec> services() {
    return plane.services();
  }

  /** Desired versus actual state of a service, per replica. */
  public ServiceStatus status(String service) {
    return plane.status(service);
  }

  /**
   * Current CPU and memory usage of the service's running replicas, by replica name
   * ({@code <service>-<slot>}), each read from its node's runtime under the call timeout. Replicas
   * whose stats cannot be read (the node times out or is down) are absent. This is what autoscaling on CPU or memory reads.
   */
  public Map<String, ContainerStats> usage(String service) {
    return plane.usage(service);
  }

  /**
   * Blocks until every declared replica of the service is ready on the declared spec.
   *
   * @throws dev.orchestrator.scheduling.SchedulingException if a replica still fits no node then,
   *     with the per-node diagnosis
   * @throws OrchestratorException with the service's status and the last output of unready replicas
   *     if the timeout passes first
   */
  public ServiceStatus awaitReady(String service, Duration timeout) throws InterruptedException {
    return plane.awaitReady(service, timeout);
  }

  /** Where ready replicas are published. */
  public ServiceRegistry registry() {
    return plane.registry();
  }

  /** Delivers every event from now on, in order, on the orchestrator's event thread. */
  public Subscription subscribe(EventListener listener) {
    return plane.subscribe(listener);
  }

  /**
   * Removes now, instead of after the orphan grace period, the containers this instance owns for
   * services that are not declared (leftovers of a crashed earlier run). Declared services are
   * reconciled as usual.
   */
  public void sweep() {
    plane.sweep();
  }

  /**
   * Cordons a node: it keeps the replicas it runs but the scheduler places no new one there.
   * Returns false if it was cordoned already; throws {@link IllegalArgumentException} for an
   * unknown node.
   */
  public boolean cordon(String node) {
    return plane.cordon(node);
  }

  /** Lets a cordoned node take replicas again; replicas waiting for room are retried at once. */
  public boolean uncordon(String node) {
    return plane.uncordon(node);
  }

  /** Re-lists every node and reconciles every service now, instead of at the next periodic resync. */
  public void resync() {
    plane.resync();
  }

  public String instanceId() {
    return plane.instanceId();
  }

  /**
   * Stops reconciling, then removes every container and network this instance owns and the
   * volumes declared with DELETE retention, unless built with {@code keepOnClose(true)}. Retained
   * volumes are never deleted. Closes the runtimes and components the builder created itself.
   */
  @Override
  public void close() {
    plane.close();
  }

  /**
   * The one wiring point. Every part has a default: a local {@link ProcessRuntime} node, the
   * {@link SpreadScheduler}, in-memory registry, network and volume providers, the system clock,
   * no metrics, a random instance id.
   */
  public static final class Builder {
    private static final Pattern INSTANCE_ID = Pattern.compile("[a-z0-9]([-a-z0-9]{0,30}[a-z0-9])?");
    private final List<ContainerRuntime> runtimes = new ArrayList<>();
    private final List<EventListener> listeners = new ArrayList<>();
    private String instanceId;
    private Scheduler scheduler;
    private ServiceRegistry registry;
    private NetworkProvider networks;
    private VolumeProvider volumes;
    private Clock clock = Clock.systemUTC();
    private MeterRegistry meterRegistry;
    private int workers = 2;
    private int engineConcurrency = 16;
    private Duration callTimeout = Duration.ofSeconds(30);
    private Duration resyncInterval = Duration.ofSeconds(30);
    private Duration orphanGracePeriod = Duration.ofMinutes(1);
    private Duration retryBase = Duration.ofMillis(200);
    private Duration retryMax = Duration.ofMinutes(2);
    private boolean keepOnClose;
    private boolean allowRootMount;
    private boolean allowDockerSocket;
    private boolean allowPrivileged;

    private Builder() {}

    /**
     * Names this orchestrator. Everything it creates carries the id; an orchestrator started later
     * with the same id re-adopts those containers. Default: a random id (nothing to adopt).
     */
    public Builder instanceId(String instanceId) {
      this.instanceId = instanceId;
      return this;
    }

    /** Adds a node; call once per node. Without nodes, one local {@link ProcessRuntime} is used. */
    public Builder node(ContainerRuntime runtime) {
      runtimes.add(Objects.requireNonNull(runtime, "runtime"));
      return this;
    }

    public Builder nodes(Collection<? extends ContainerRuntime> runtimes) {
      runtimes.forEach(this::node);
      return this;
    }

    public Builder scheduler(Scheduler scheduler) {
      this.scheduler = scheduler;
      return this;
    }

    public Builder registry(ServiceRegistry registry) {
      this.registry = registry;
      return this;
    }

    public Builder networkProvider(NetworkProvider networks) {
      this.networks = networks;
      return this;
    }

    public Builder volumeProvider(VolumeProvider volumes) {
      this.volumes = volumes;
      return this;
    }

    /** The clock behind backoff, probes and resync (a {@code ManualClock} in tests). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** Where to publish metrics; none by default. */
    public Builder meterRegistry(MeterRegistry meterRegistry) {
      this.meterRegistry = meterRegistry;
      return this;
    }

    /** Reconcile worker threads (default 2). A service is never reconciled by two at once. */
    public Builder workers(int workers) {
      this.workers = workers;
      return this;
    }

    /** Engine calls running at once, over all nodes (default 16). */
    public Builder engineConcurrency(int engineConcurrency) {
      this.engineConcurrency = engineConcurrency;
      return this;
    }

    /** Deadline of every runtime call (default 30 s; stops get their grace period on top). */
    public Builder callTimeout(Duration callTimeout) {
      this.callTimeout = Objects.requireNonNull(callTimeout, "callTimeout");
      return this;
    }

    /** How often every node is re-listed, whatever the events said (default 30 s). */
    public Builder resyncInterval(Duration resyncInterval) {
      this.resyncInterval = Objects.requireNonNull(resyncInterval, "resyncInterval");
      return this;
    }

    /**
     * How long containers of services that are owned but not declared are left alone after
     * start, so that the application can re-declare them (default 1 minute). After it they are
     * removed as orphans.
     */
    public Builder orphanGracePeriod(Duration orphanGracePeriod) {
      this.orphanGracePeriod = Objects.requireNonNull(orphanGracePeriod, "orphanGracePeriod");
      return this;
    }

    /** Per-service retry backoff after a failed reconcile pass (default 200 ms doubling to 2 min). */
    public Builder retryBackoff(Duration base, Duration max) {
      this.retryBase = Objects.requireNonNull(base, "base");
      this.retryMax = Objects.requireNonNull(max, "max");
      return this;
    }

    /** Leave containers and networks running on close (default false: remove them). */
    public Builder keepOnClose(boolean keepOnClose) {
      this.keepOnClose = keepOnClose;
      return this;
    }

    /**
     * Allow bind mounts of the host's root directory, of its system directories ({@code /etc},
     * {@code /proc}, {@code /sys}) and of an engine's data directory (all refused by default).
     */
    public Builder allowRootMount(boolean allow) {
      this.allowRootMount = allow;
      return this;
    }

    /** Allow bind mounts of the Docker socket (refused by default). */
    public Builder allowDockerSocket(boolean allow) {
      this.allowDockerSocket = allow;
      return this;
    }

    /** Allow specs that ask for privileged containers (refused by default). */
    public Builder allowPrivileged(boolean allow) {
      this.allowPrivileged = allow;
      return this;
    }

    /** Subscribes a listener before anything happens, so it sees adoption too. */
    public Builder eventListener(EventListener listener) {
      listeners.add(Objects.requireNonNull(listener, "listener"));
      return this;
    }

    /** Wires everything, adopts what the instance id owns, and starts the control loop. */
    public Orchestrator build() {
      String id = instanceId != null ? instanceId : "orch-" + UUID.randomUUID().toString().substring(0, 8);
      if (!INSTANCE_ID.matcher(id).matches()) {
        throw new IllegalArgumentException("instanceId '" + id + "' must be 1-32 lower-case letters, digits or '-'");
      }
      if (workers < 1 || engineConcurrency < 1) {
        throw new IllegalArgumentException("workers and engineConcurrency must be at least 1");
      }
      positive("callTimeout", callTimeout);
      positive("resyncInterval", resyncInterval);
      positive("retryBackoff max", retryMax);
      if (orphanGracePeriod.isNegative() || retryBase.isNegative() || retryBase.compareTo(retryMax) > 0) {
        throw new IllegalArgumentException("orphanGracePeriod must not be negative and retry backoff must be 0 <= base <= max, got "
            + orphanGracePeriod + ", " + retryBase + ".." + retryMax);
      }
      List<AutoCloseable> owned = new ArrayList<>();
      List<ContainerRuntime> nodes = new ArrayList<>(runtimes);
      if (nodes.isEmpty()) {
        ProcessRuntime local = ProcessRuntime.builder().build();
        nodes.add(local);
        owned.add(local);
      }
      ServiceRegistry reg = registry;
      if (reg == null) {
        InMemoryServiceRegistry inMemory = new InMemoryServiceRegistry();
        owned.add(inMemory);
        reg = inMemory;
      }
      ControlPlane plane = null;
      try {
        plane = new ControlPlane(new ControlPlane.Config(
          id, nodes, owned,
          scheduler != null ? scheduler : new SpreadScheduler(),
          reg,
          networks != null ? networks : new InMemoryNetworkProvider(),
          volumes != null ? volumes : new InMemoryVolumeProvider(),
          clock, meterRegistry, workers, engineConcurrency, callTimeout, resyncInterval, orphanGracePeriod,
          retryBase, retryMax, keepOnClose,
          new SpecValidator.Options(allowRootMount, allowDockerSocket, 0, 0, allowPrivileged),
          List.copyOf(listeners)));
        plane.start();
        return new Orchestrator(plane);
      } catch (RuntimeException e) {
        if (plane != null) {
          plane.close();
        } else {
          for (AutoCloseable c : owned) {
            try {
              c.close();
            } catch (Exception suppressed) {
              e.addSuppressed(suppressed);
            }
          }
        }
        throw e;
      }
    }

    private static void positive(String name, Duration d) {
      if (d.isNegative() || d.isZero()) {
        throw new IllegalArgumentException(name + " must be positive, got " + d);
      }
    }
  }
}
