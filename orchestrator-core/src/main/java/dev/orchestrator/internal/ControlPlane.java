package dev.orchestrator.internal;

import dev.orchestrator.OrchestratorException;
import dev.orchestrator.ServiceStatus;
import dev.orchestrator.Subscription;
import dev.orchestrator.event.EventListener;
import dev.orchestrator.event.OrchestratorEvent;
import dev.orchestrator.network.NetworkProvider;
import dev.orchestrator.reconcile.ExponentialBackoffRateLimiter;
import dev.orchestrator.reconcile.WorkQueue;
import dev.orchestrator.registry.ServiceRegistry;
import dev.orchestrator.runtime.ContainerRuntime;
import dev.orchestrator.runtime.EngineDataDirectory;
import dev.orchestrator.runtime.ContainerStats;
import dev.orchestrator.runtime.NodeInfo;
import dev.orchestrator.scheduling.Scheduler;
import dev.orchestrator.spec.NetworkSpec;
import dev.orchestrator.spec.ServiceSpec;
import dev.orchestrator.spec.SpecValidator;
import dev.orchestrator.spec.VolumeSpec;
import dev.orchestrator.storage.VolumeProvider;
import io.micrometer.core.instrument.MeterRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The wiring behind {@code Orchestrator}: desired state, the control loop, the prober, the
 * placer, runtime events, the resync, event delivery and cleanup. Not API: use {@code Orchestrator}.
 *
 * <p>Threads it owns: the reconcile workers, the timer, the event thread, the bounded engine
 * pool (every runtime call, each under a deadline), the create pool, the probe pool and (through
 * {@link Resync}) the resync thread. Desired state is immutable specs in concurrent maps;
 * per-service bookkeeping belongs to the worker reconciling that service.
 */
public final class ControlPlane implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(ControlPlane.class);

  /** Everything the builder decided. */
  public record Config(
      String instanceId,
      List<ContainerRuntime> runtimes,
      List<AutoCloseable> owned,
      Scheduler scheduler,
      ServiceRegistry registry,
      NetworkProvider networks,
      VolumeProvider volumes,
      Clock clock,
      MeterRegistry meterRegistry,
      int workers,
      int engineConcurrency,
      Duration callTimeout,
      Duration resyncInterval,
      Duration orphanGracePeriod,
      Duration retryBase,
      Duration retryMax,
      boolean keepOnClose,
      SpecValidator.Options validation,
      List<EventListener> listeners) {}

  /**
   * System property: "false" turns the observed-state cache off (every pass lists every node, as
   * before the cache), for side-by-side measurement only.
   */
  public static final String OBSERVED_STATE_CACHE = "dev.orchestrator.observedStateCache";

  private final Config config;
  private final DesiredState desired = new DesiredState();
  private final EventBus events = new EventBus();
  private final ExecutorService enginePool;
  private final ExecutorService probePool;
  private final ExecutorService creatorPool;
  private final ClockScheduler timer;
  private final Cluster cluster;
  private final HealthProber prober;
  private final ServiceReconciler reconciler;
  private final ControlLoop loop;
  private final SpecValidator validator;
  private final Teardown teardown;
  private final ReplicaOps ops;
  private final Admission admission;
  private final StatusView statusView;
  private final RuntimeEventHandler runtimeEvents;
  private final Resync resync;
  private final List<Subscription> runtimeSubscriptions = new ArrayList<>();
  private final Object applyLock = new Object();
  private final AtomicBoolean closing = new AtomicBoolean();
  private final Set<String> cordoned = ConcurrentHashMap.newKeySet();
  private volatile boolean closed;

  public ControlPlane(Config config) {
    this.config = config;
    // each node's info is read once, before any thread is started, so that a bad node list leaks nothing
    List<NodeInfo> infos = config.runtimes().stream().map(ContainerRuntime::node).toList();
    Set<String> names = new HashSet<>();
    for (NodeInfo info : infos) {
      if (!names.add(info.name())) {
        throw new IllegalArgumentException("two nodes are named '" + info.name() + "'");
      }
    }
    this.enginePool = boundedPool("orchestrator-engine", config.engineConcurrency());
    this.probePool = boundedPool("orchestrator-probe", 4);
    this.creatorPool = boundedPool("orchestrator-create", config.engineConcurrency());
    this.timer = new ClockScheduler(config.clock(), "orchestrator-timer");
    ObservedState observed = new ObservedState(config.instanceId(), config.clock(), maxStaleness(config.resyncInterval()),
        !"false".equals(System.getProperty(OBSERVED_STATE_CACHE)));
    List<Node> nodes = new ArrayList<>();
    for (int i = 0; i < infos.size(); i++) {
      nodes.add(new Node(config.runtimes().get(i), infos.get(i), enginePool, config.callTimeout(), observed::lose));
    }
    this.cluster = new Cluster(nodes, observed);
    long maxCpu = nodes.stream().mapToLong(n -> n.info().cpuMillis()).max().orElse(0);
    long maxMemory = nodes.stream().mapToLong(n -> n.info().memoryBytes()).max().orElse(0);
    Set<String> engineDirs = new HashSet<>();
    for (ContainerRuntime runtime : config.runtimes()) {
      if (runtime instanceof EngineDataDirectory engine) {
        engineDirs.add(SpecValidator.resolve(engine.engineDataDirectory()));
      }
    }
    SpecValidator.Options v = config.validation();
    this.validator = new SpecValidator(v.withNodeCapacity(maxCpu, maxMemory).withEngineDataDirs(engineDirs));
    this.admission = new Admission(cluster, desired);
    ExponentialBackoffRateLimiter<String> retries = new ExponentialBackoffRateLimiter<>(config.retryBase(), config.retryMax());
    WorkQueue<String> queue = WorkQueue.create(config.clock(), retries);
    this.prober = new HealthProber(config.clock(), timer, probePool, this::enqueue);
    this.ops = new ReplicaOps(config.instanceId(), config.registry(), config.networks(), config.volumes(), prober, events, config.clock(), closing, observed);
    this.teardown = new Teardown(config.instanceId(), desired, ops, config.networks(), config.volumes(), config.clock(), config.orphanGracePeriod());
    Placer placer = new Placer(nodes, observed, config.scheduler(), desired, config.volumes(), config.clock(), cordoned);
    OrchestratorMetrics metrics = new OrchestratorMetrics(config.meterRegistry(), config.instanceId());
    this.reconciler = new ServiceReconciler(cluster, desired, placer, ops, prober, events, metrics, teardown, config.clock(), creatorPool);
    this.statusView = new StatusView(desired, reconciler.books(), cluster);
    this.runtimeEvents = new RuntimeEventHandler(config.instanceId(), observed, reconciler.books(), statusView, events,
        config.clock(), this::enqueue);
    this.resync = new Resync(desired, reconciler.books(), cluster, timer, config.resyncInterval(),
        boundedPool("orchestrator-resync", 1), this::enqueue);
    this.loop = new ControlLoop(queue, retries, reconciler,
        metrics, events, config.clock(), this::afterPass);
    metrics.gauges(loop::depth, statusView::replicasIn);
    config.listeners().forEach(events::subscribe);
  }

  /** Subscribes to runtime events, adopts what this instance owns, and starts the loop. */
  public void start() {
    for (Node n : cluster.nodes()) {
      runtimeSubscriptions.add(n.runtime().subscribe(runtimeEvents::onEvent));
    }
    loop.start(config.workers());
    resync.now();
    resync.schedulePeriodic();
  }

  public String instanceId() {
    return config.instanceId();
  }

  public ServiceRegistry registry() {
    return config.registry();
  }

  /** Validates and declares a service; returns whether anything changed. */
  public boolean apply(ServiceSpec spec) {
    ensureOpen();
    validator.validate(spec);
    ServiceSpec declared = desired.service(spec.name());
    if (declared == null || !declared.image().equals(spec.image())) {
      admission.checkImage(spec); // an image admitted with the declaration is not asked for again (scale, say)
    }
    admission.checkHostPortHolders(spec);
    Optional<ServiceSpec> previous;
    synchronized (applyLock) {
      admission.checkHostPorts(spec);
      previous = desired.put(spec);
    }
    boolean changed = previous.map(p -> !p.equals(spec)).orElse(true);
    events.publish(new OrchestratorEvent.ServiceApplied(config.clock().instant(), spec.name(), spec.specHash(), spec.replicas(), changed));
    enqueue(spec.name());
    return changed;
  }

  public void apply(VolumeSpec spec) {
    ensureOpen();
    validator.validate(spec);
    desired.put(spec);
  }

  public void apply(NetworkSpec spec) {
    ensureOpen();
    validator.validate(spec);
    desired.put(spec);
  }

  /** Stops replacing the service's outdated replicas until {@link #resumeRollout}. */
  public void pauseRollout(String service) {
    rollout(service).pause(events, config.clock().instant());
    enqueue(service);
  }

  /** Goes on with a paused or failed rollout, its failure count reset. */
  public void resumeRollout(String service) {
    rollout(service).resume(events, config.clock().instant());
    enqueue(service);
  }

  /**
   * Declares again the previous fully-ready spec of the service (with the current replica count
   * and update policy) and rolls out to it; returns its hash.
   */
  public String rollback(String service) {
    ServiceSpec current = declared(service);
    Rollout rollout = rollout(service);
    ServiceSpec back = rollout.rollbackTarget(current);
    rollout.revert(back, "rollback requested");
    events.publish(new OrchestratorEvent.RolloutRolledBack(config.clock().instant(), service, current.specHash(), back.specHash(),
        "rollback requested"));
    apply(back);
    return back.specHash();
  }

  private ServiceSpec declared(String service) {
    ensureOpen();
    ServiceSpec spec = desired.service(service);
    if (spec == null) {
      throw new OrchestratorException("no service '" + service + "' is declared");
    }
    return spec;
  }

  private Rollout rollout(String service) {
    declared(service);
    return reconciler.books().computeIfAbsent(service, ServiceBook::new).rollout;
  }

  /** Deletes a service; returns false if it was not declared. */
  public boolean delete(String service) {
    ensureOpen();
    boolean existed = desired.delete(service).isPresent();
    if (existed) {
      events.publish(new OrchestratorEvent.ServiceDeleted(config.clock().instant(), service));
      enqueue(service);
    }
    return existed;
  }

  public Optional<ServiceSpec> spec(String service) {
    return Optional.ofNullable(desired.service(service));
  }

  public Map<String, ServiceSpec> services() {
    return new TreeMap<>(desired.services());
  }

  /**
   * Current usage of the service's running replicas (starting, ready or unready), by replica
   * name, each read from its node under the call timeout. A replica whose stats fail is left out;
   * after a node times out or is unavailable, the rest of its replicas are left out of this call.
   */
  public Map<String, ContainerStats> usage(String service) {
    return statusView.usage(service);
  }

  /**
   * The last pass's view of the service, measured against the current declaration: a spec or
   * replica count applied since that pass shows as not ready until a pass has caught up.
   */
  public ServiceStatus status(String service) {
    return statusView.status(service);
  }

  /** Blocks until the service is ready (every replica ready on the declared spec) or the timeout passes. */
  public ServiceStatus awaitReady(String service, Duration timeout) throws InterruptedException {
    return statusView.awaitReady(service, timeout);
  }

  /** Ends the orphan grace period and reconciles everything, so leftovers of undeclared services go now. */
  public void sweep() {
    ensureOpen();
    teardown.removeOrphansNow();
    resync.now();
  }

  /** The node keeps what it runs but takes no new replica; false if it was cordoned already. */
  public boolean cordon(String node) {
    ensureOpen();
    cluster.node(node);
    return cordoned.add(node);
  }

  /** The node takes replicas again; services waiting for room are retried. False if it was not cordoned. */
  public boolean uncordon(String node) {
    ensureOpen();
    cluster.node(node);
    boolean changed = cordoned.remove(node);
    if (changed) {
      runtimeEvents.retryUnschedulable();
    }
    return changed;
  }

  public Subscription subscribe(EventListener listener) {
    return events.subscribe(listener);
  }

  /**
   * Queues every declared or known service now, and relists every node on the resync thread. Then,
   * without the observed-state cache, it queues every service found there; with it, only those not
   * queued already or whose observed containers the listing changed (the cache is trusted in
   * between, so one pass per service suffices). Returns at once.
   */
  public void resync() {
    resync.now();
  }

  private void enqueue(String service) {
    if (!closed) {
      loop.enqueue(service);
    }
  }

  private void afterPass(String service, String error) {
    if (!error.isEmpty()) {
      ServiceBook book = reconciler.books().get(service);
      if (book != null) {
        book.publishError(error);
      }
    }
    statusView.changed();
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("orchestrator " + config.instanceId() + " is closed");
    }
  }

  /**
   * Stops the loop, then (unless configured to keep them) removes every container and network this
   * instance owns and every volume declared with DELETE retention. Retained volumes survive.
   */
  @Override
  public synchronized void close() {
    if (closed) {
      return;
    }
    closed = true;
    closing.set(true);
    resync.close();
    loop.close(config.callTimeout().multipliedBy(2));
    prober.close();
    timer.close();
    if (!config.keepOnClose()) {
      // the runtime subscriptions stay open meanwhile: a runtime following its events can trust its listing (Docker
      // then inspects none of the containers it lists); what they deliver now enqueues nothing
      new Cleanup(config.instanceId(), cluster, ops, config.networks(), config.volumes(), desired).run();
    }
    runtimeSubscriptions.forEach(Subscription::close);
    events.close();
    probePool.shutdownNow();
    creatorPool.shutdownNow();
    enginePool.shutdownNow();
    for (AutoCloseable c : config.owned()) {
      try {
        c.close();
      } catch (Exception e) {
        log.warn("closing {} failed", c, e);
      }
    }
  }

  /** How old a node's observed view may get: the resync interval, and less than a reservation lives. */
  private static Duration maxStaleness(Duration resyncInterval) {
    Duration bound = Placer.RESERVATION_TTL.dividedBy(2);
    return resyncInterval.compareTo(bound) < 0 ? resyncInterval : bound;
  }

  private static ExecutorService boundedPool(String name, int threads) {
    AtomicInteger n = new AtomicInteger();
    ThreadFactory factory = r -> {
      Thread t = new Thread(r, name + "-" + n.incrementAndGet());
      t.setDaemon(true);
      return t;
    };
    ThreadPoolExecutor pool = new ThreadPoolExecutor(threads, threads, 30, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), factory);
    pool.allowCoreThreadTimeOut(true);
    return pool;
  }
}
