package dev.orchestrator.registry;

import dev.orchestrator.Subscription;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.function.Consumer;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A thread-safe {@link ServiceRegistry} held in memory.
 *
 * <p>Each watcher has its own latest-value mailbox drained on the delivery executor, one delivery
 * at a time: a slow watcher only delays itself, skips versions it was too slow to see, always ends
 * on the latest one, and never sees versions go backwards. A listener that throws is logged and
 * keeps receiving later versions. Closing a subscription stops further deliveries (one already
 * under way may finish).
 */
public final class InMemoryServiceRegistry implements ServiceRegistry, AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(InMemoryServiceRegistry.class);

  private final Executor executor;
  private final DeliveryPool ownedPool;
  private final Map<String, ServiceState> services = new HashMap<>();

  /**
   * Delivers on a registry-owned pool of daemon threads (as many as cores, at least two) that grows
   * only while listeners block and shrinks back when they return; {@link #close()} shuts it down.
   */
  public InMemoryServiceRegistry() {
    this(new DeliveryPool(Math.max(2, Runtime.getRuntime().availableProcessors()), 256), true);
  }

  /**
   * Delivers on {@code executor}, which the caller owns (and should not run tasks on the calling
   * thread). Watchers are isolated from each other only as far as its threads allow, and a delivery
   * it rejects waits for the service's next change.
   */
  public InMemoryServiceRegistry(Executor executor) {
    this(executor, false);
  }

  private InMemoryServiceRegistry(Executor executor, boolean owned) {
    this.executor = Objects.requireNonNull(executor, "executor");
    this.ownedPool = owned ? (DeliveryPool) executor : null;
  }

  @Override
  public void register(Endpoint endpoint) {
    Objects.requireNonNull(endpoint, "endpoint");
    change(endpoint.service(), endpoints -> !endpoint.equals(endpoints.put(endpoint.id(), endpoint)));
  }

  @Override
  public void deregister(String service, String endpointId) {
    change(service, endpoints -> endpoints.remove(endpointId) != null);
  }

  @Override
  public EndpointSet lookup(String service) {
    synchronized (services) {
      ServiceState state = services.get(service);
      return state == null ? new EndpointSet(service, 0, List.of()) : state.current;
    }
  }

  @Override
  public Set<String> services() {
    synchronized (services) {
      Set<String> names = new TreeSet<>();
      services.forEach((name, state) -> {
        if (!state.current.isEmpty()) {
          names.add(name);
        }
      });
      return Set.copyOf(names);
    }
  }

  @Override
  public Subscription watch(String service, Consumer<EndpointSet> listener) {
    Objects.requireNonNull(listener, "listener");
    Watcher watcher;
    EndpointSet current;
    synchronized (services) {
      ServiceState state = stateOf(service);
      watcher = new Watcher(state, listener);
      state.watchers.add(watcher);
      current = state.current;
    }
    watcher.offer(current);
    return watcher;
  }

  /** Stops all deliveries and shuts down the owned pool, if any. */
  @Override
  public void close() {
    List<Watcher> all = new ArrayList<>();
    synchronized (services) {
      services.values().forEach(state -> all.addAll(state.watchers));
    }
    all.forEach(Watcher::close);
    if (ownedPool != null) {
      ownedPool.close();
    }
  }

  /** Applies {@code edit} (which reports whether it changed anything) and notifies on change. */
  private void change(String service, Predicate<Map<String, Endpoint>> edit) {
    EndpointSet next;
    List<Watcher> watchers;
    synchronized (services) {
      ServiceState state = stateOf(service);
      if (!edit.test(state.endpoints)) {
        return;
      }
      next = new EndpointSet(service, state.current.version() + 1, List.copyOf(state.endpoints.values()));
      state.current = next;
      watchers = List.copyOf(state.watchers);
    }
    watchers.forEach(w -> w.offer(next));
  }

  private ServiceState stateOf(String service) {
    Objects.requireNonNull(service, "service");
    return services.computeIfAbsent(service, ServiceState::new);
  }

  /** One service's endpoints (by id) and watchers. Versions are kept after the last endpoint goes. */
  private static final class ServiceState {
    final TreeMap<String, Endpoint> endpoints = new TreeMap<>();
    final List<Watcher> watchers = new CopyOnWriteArrayList<>();
    EndpointSet current;

    ServiceState(String service) {
      current = new EndpointSet(service, 0, List.of());
    }
  }

  /** A latest-value mailbox drained by at most one delivery task at a time. */
  private final class Watcher implements Subscription {
    private final ServiceState state;
    private final Consumer<EndpointSet> listener;
    private EndpointSet pending; // guarded by this
    private boolean draining; // guarded by this
    private boolean closed; // guarded by this
    private long delivered = -1; // guarded by this

    Watcher(ServiceState state, Consumer<EndpointSet> listener) {
      this.state = state;
      this.listener = listener;
    }

    void offer(EndpointSet set) {
      synchronized (this) {
        if (closed || set.version() <= delivered || (pending != null && pending.version() >= set.version())) {
          return;
        }
        pending = set;
        if (draining) {
          return;
        }
        draining = true;
      }
      try {
        executor.execute(this::drain);
      } catch (RejectedExecutionException e) {
        synchronized (this) {
          draining = false;
        }
        log.debug("delivery executor rejected version {} of {}", set.version(), set.service(), e);
      }
    }

    private void drain() {
      while (true) {
        EndpointSet next;
        synchronized (this) {
          next = pending;
          pending = null;
          if (closed || next == null) {
            draining = false;
            return;
          }
          delivered = next.version();
        }
        try {
          listener.accept(next);
        } catch (RuntimeException e) {
          log.warn("endpoint listener for {} failed on version {}", next.service(), next.version(), e);
        }
      }
    }

    @Override
    public void close() {
      synchronized (this) {
        closed = true;
        pending = null;
      }
      state.watchers.remove(this);
    }
  }
}
