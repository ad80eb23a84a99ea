package dev.orchestrator.registry;

import dev.orchestrator.Subscription;
import java.util.Set;
import java.util.function.Consumer;

/**
 * Where ready replicas are published and found. The reconciler registers a replica only while
 * its readiness check passes and deregisters it when it stops being ready or dies.
 *
 * <p>Thread-safe. Every change of a service's endpoints increments that service's version;
 * watchers receive the full, versioned {@link EndpointSet} after every change, in version order,
 * on a thread that is not the caller's. A slow watcher may miss intermediate versions
 * (it always gets the latest) but never delays other watchers.
 */
public interface ServiceRegistry {

  /** Adds or replaces the endpoint with the same service and id. Re-registering an equal endpoint is a no-op. */
  void register(Endpoint endpoint);

  /** Removes an endpoint; unknown ids are a no-op. */
  void deregister(String service, String endpointId);

  /** The current endpoints of a service (version 0 and empty if never registered). */
  EndpointSet lookup(String service);

  /** Names of services with at least one endpoint. */
  Set<String> services();

  /**
   * Delivers the current endpoint set at once, then the full set after every change, until the
   * subscription is closed.
   */
  Subscription watch(String service, Consumer<EndpointSet> listener);
}
