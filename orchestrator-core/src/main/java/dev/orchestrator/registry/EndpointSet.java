package dev.orchestrator.registry;

import java.util.List;
import java.util.Objects;

/**
 * The full set of a service's endpoints at one version. Versions of one service only grow.
 *
 * @param service the service name
 * @param version increments on every change
 * @param endpoints sorted by id
 */
public record EndpointSet(String service, long version, List<Endpoint> endpoints) {
  public EndpointSet {
    Objects.requireNonNull(service, "service");
    endpoints = List.copyOf(endpoints);
  }

  public int size() {
    return endpoints.size();
  }

  public boolean isEmpty() {
    return endpoints.isEmpty();
  }
}
