package dev.orchestrator.network.lb;

import dev.orchestrator.Subscription;
import dev.orchestrator.registry.Endpoint;
import dev.orchestrator.registry.EndpointSet;
import dev.orchestrator.registry.ServiceRegistry;
import java.time.Clock;
import java.time.Duration;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.random.RandomGenerator;

/**
 * Client-side load balancing over one service's registered endpoints, kept current by a registry
 * watch. {@link #choose()} picks an endpoint by the {@link Strategy} among those not cooling down
 * and returns a {@link Lease}; completing the lease as failed counts a failure, and
 * {@code failureThreshold} consecutive failures take the endpoint out for {@code cooldown} (like
 * Curator's service provider with its down-instance policy: 2 errors, 30 s by default).
 *
 * <pre>{@code
 * try (LoadBalancer lb = LoadBalancer.builder(registry, "web").strategy(Strategy.LEAST_IN_FLIGHT).build()) {
 *   Lease lease = lb.choose();
 *   try {
 *     call(lease.endpoint().address());
 *     lease.success();
 *   } catch (IOException e) {
 *     lease.failed();
 *   }
 * }
 * }</pre>
 *
 * <p>Thread-safe: any thread may choose and complete leases; the endpoint list is an immutable
 * array swapped by the registry's delivery thread. An endpoint whose registration is unchanged
 * keeps its in-flight count and failure state across updates; a changed one starts afresh.
 */
public final class LoadBalancer implements AutoCloseable {

  /** How {@link #choose()} picks among the endpoints not cooling down. */
  public enum Strategy {
    /** In turn, in endpoint id order. */
    ROUND_ROBIN,
    /** Uniformly at random. */
    RANDOM,
    /** The one with the fewest open leases; ties go round-robin. */
    LEAST_IN_FLIGHT
  }

  /** One use of a chosen endpoint. Complete it once: the first completion counts, later ones are ignored. */
  public interface Lease extends AutoCloseable {
    /** The chosen endpoint. */
    Endpoint endpoint();

    /** The call succeeded: clears the endpoint's consecutive failures. */
    void success();

    /** The call failed: counts a failure, possibly starting the endpoint's cool-down. */
    void failed();

    /** Ends the lease without a verdict (a no-op after {@link #success()} or {@link #failed()}). */
    @Override
    void close();
  }

  private final String service;
  private final Strategy strategy;
  private final int failureThreshold;
  private final long cooldownMillis;
  private final Clock clock;
  private final RandomGenerator random;
  private final AtomicInteger next = new AtomicInteger();
  private final Subscription subscription;
  private volatile Entry[] entries = new Entry[0];
  private long version = -1; // guarded by this
  private volatile boolean closed;

  private LoadBalancer(Builder b, ServiceRegistry registry) {
    this.service = b.service;
    this.strategy = b.strategy;
    this.failureThreshold = b.failureThreshold;
    this.cooldownMillis = b.cooldown.toMillis();
    this.clock = b.clock;
    this.random = b.random;
    update(registry.lookup(service)); // choose() works at once, before the watch's first delivery
    this.subscription = registry.watch(service, this::update);
  }

  /** A builder for a balancer over {@code service}'s endpoints in {@code registry}. */
  public static Builder builder(ServiceRegistry registry, String service) {
    return new Builder(registry, service);
  }

  /**
   * Picks an endpoint and opens a lease on it.
   *
   * @throws NoEndpointAvailableException when the service has no endpoint, or all are cooling down
   * @throws IllegalStateException after {@link #close()}
   */
  public Lease choose() {
    if (closed) {
      throw new IllegalStateException("load balancer of " + service + " is closed");
    }
    Entry[] es = entries;
    long now = clock.millis();
    Entry chosen = switch (strategy) {
      case ROUND_ROBIN -> roundRobin(es, now);
      case RANDOM -> random(es, now);
      case LEAST_IN_FLIGHT -> leastInFlight(es, now);
    };
    if (chosen == null) {
      throw unavailable(es, now);
    }
    chosen.inFlight.incrementAndGet();
    return new LeaseImpl(chosen);
  }

  /** Stops following the registry; {@link #choose()} fails afterwards. Open leases may still complete. */
  @Override
  public void close() {
    closed = true;
    subscription.close();
  }

  /** Open leases on an endpoint (0 for unknown ids); for tests and diagnostics. */
  int inFlight(String endpointId) {
    for (Entry e : entries) {
      if (e.endpoint.id().equals(endpointId)) {
        return e.inFlight.get();
      }
    }
    return 0;
  }

  private Entry roundRobin(Entry[] es, long now) {
    int n = es.length;
    int start = n == 0 ? 0 : Math.floorMod(next.getAndIncrement(), n);
    for (int i = 0; i < n; i++) {
      Entry e = es[(start + i) % n];
      if (e.up(now)) {
        return e;
      }
    }
    return null;
  }

  private Entry random(Entry[] es, long now) {
    int up = 0;
    for (Entry e : es) {
      up += e.up(now) ? 1 : 0;
    }
    if (up == 0) {
      return null;
    }
    int pick = random == null ? ThreadLocalRandom.current().nextInt(up) : random.nextInt(up);
    for (Entry e : es) {
      if (e.up(now) && pick-- == 0) {
        return e;
      }
    }
    return null; // an endpoint's cool-down began during the scan; rare, and the caller may retry
  }

  private Entry leastInFlight(Entry[] es, long now) {
    int n = es.length;
    int start = n == 0 ? 0 : Math.floorMod(next.getAndIncrement(), n);
    Entry best = null;
    int bestLoad = Integer.MAX_VALUE;
    for (int i = 0; i < n; i++) {
      Entry e = es[(start + i) % n];
      int load = e.inFlight.get();
      if (load < bestLoad && e.up(now)) {
        best = e;
        bestLoad = load;
      }
    }
    return best;
  }

  private NoEndpointAvailableException unavailable(Entry[] es, long now) {
    if (es.length == 0) {
      return new NoEndpointAvailableException("service " + service + " has no registered endpoint");
    }
    long soonest = Long.MAX_VALUE;
    for (Entry e : es) {
      soonest = Math.min(soonest, e.downUntil);
    }
    return new NoEndpointAvailableException("all " + es.length + " endpoints of service " + service
        + " are cooling down after failures; the first returns in " + Duration.ofMillis(Math.max(0, soonest - now)));
  }

  private synchronized void update(EndpointSet set) {
    if (set.version() <= version) {
      return;
    }
    version = set.version();
    Map<String, Entry> old = new HashMap<>();
    for (Entry e : entries) {
      old.put(e.endpoint.id(), e);
    }
    Entry[] fresh = new Entry[set.size()];
    for (int i = 0; i < fresh.length; i++) {
      Endpoint endpoint = set.endpoints().get(i);
      Entry kept = old.get(endpoint.id());
      fresh[i] = kept != null && kept.endpoint.equals(endpoint) ? kept : new Entry(endpoint);
    }
    entries = fresh;
  }

  /** One endpoint and its counters. */
  private static final class Entry {
    final Endpoint endpoint;
    final AtomicInteger inFlight = new AtomicInteger();
    final AtomicInteger failures = new AtomicInteger();
    volatile long downUntil; // epoch millis; up when in the past

    Entry(Endpoint endpoint) {
      this.endpoint = endpoint;
    }

    boolean up(long now) {
      return downUntil <= now;
    }
  }

  private final class LeaseImpl implements Lease {
    private final Entry entry;
    private final AtomicBoolean done = new AtomicBoolean();

    LeaseImpl(Entry entry) {
      this.entry = entry;
    }

    @Override
    public Endpoint endpoint() {
      return entry.endpoint;
    }

    @Override
    public void success() {
      if (complete()) {
        entry.failures.set(0);
      }
    }

    @Override
    public void failed() {
      if (complete() && entry.failures.incrementAndGet() >= failureThreshold) {
        entry.failures.set(0);
        entry.downUntil = clock.millis() + cooldownMillis;
      }
    }

    @Override
    public void close() {
      complete();
    }

    private boolean complete() {
      if (!done.compareAndSet(false, true)) {
        return false;
      }
      entry.inFlight.decrementAndGet();
      return true;
    }
  }

  /** Configures a {@link LoadBalancer}. */
  public static final class Builder {
    private final ServiceRegistry registry;
    private final String service;
    private Strategy strategy = Strategy.ROUND_ROBIN;
    private int failureThreshold = 2;
    private Duration cooldown = Duration.ofSeconds(30);
    private Clock clock = Clock.systemUTC();
    private RandomGenerator random;

    private Builder(ServiceRegistry registry, String service) {
      this.registry = Objects.requireNonNull(registry, "registry");
      this.service = Objects.requireNonNull(service, "service");
    }

    /** How to pick (default round-robin). */
    public Builder strategy(Strategy strategy) {
      this.strategy = Objects.requireNonNull(strategy, "strategy");
      return this;
    }

    /** Consecutive failures that start an endpoint's cool-down (default 2), and its length (default 30 s). */
    public Builder failurePolicy(int threshold, Duration cooldown) {
      if (threshold < 1) {
        throw new IllegalArgumentException("failure threshold must be at least 1, was " + threshold);
      }
      if (cooldown.isNegative()) {
        throw new IllegalArgumentException("cooldown must not be negative, was " + cooldown);
      }
      this.failureThreshold = threshold;
      this.cooldown = cooldown;
      return this;
    }

    /** The clock of cool-downs (default the system clock). */
    public Builder clock(Clock clock) {
      this.clock = Objects.requireNonNull(clock, "clock");
      return this;
    }

    /** The random source of {@link Strategy#RANDOM}; thread-safe if several threads choose (default ThreadLocalRandom). */
    public Builder random(RandomGenerator random) {
      this.random = Objects.requireNonNull(random, "random");
      return this;
    }

    /** Starts following the registry. */
    public LoadBalancer build() {
      return new LoadBalancer(this, registry);
    }
  }
}
