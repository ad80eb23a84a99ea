package dev.orchestrator.registry;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * One ready replica as clients see it.
 *
 * @param service the service name
 * @param id the replica's stable name, {@code <service>-<slot>}
 * @param node the node it runs on
 * @param host the address to connect to from the orchestrator's host
 * @param ports port name to the host port at {@code host}
 * @param metadata slot, spec hash, container id, user labels
 * @param containerPorts port name to the port inside the container (the in-network face)
 * @param networks network name to the replica's address on that network (the in-network face)
 */
public record Endpoint(String service, String id, String node, String host, Map<String, Integer> ports, Map<String, String> metadata,
    Map<String, Integer> containerPorts, Map<String, String> networks) {
  public Endpoint {
    Objects.requireNonNull(service, "service");
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(host, "host");
    ports = Map.copyOf(new TreeMap<>(ports));
    metadata = Map.copyOf(new TreeMap<>(metadata));
    containerPorts = Map.copyOf(new TreeMap<>(containerPorts));
    networks = Map.copyOf(new TreeMap<>(networks));
  }

  /** An endpoint with only its host-reachable face. */
  public Endpoint(String service, String id, String node, String host, Map<String, Integer> ports, Map<String, String> metadata) {
    this(service, id, node, host, ports, metadata, Map.of(), Map.of());
  }

  /** The replica's address on a network it joined, if the runtime reported one. */
  public java.util.Optional<String> networkAddress(String network) {
    return java.util.Optional.ofNullable(networks.get(network));
  }

  /** The host port of a named port, or of the only port when {@code name} is null. */
  public int port(String name) {
    if (name == null && ports.size() == 1) {
      return ports.values().iterator().next();
    }
    Integer port = ports.get(name);
    if (port == null) {
      throw new IllegalArgumentException("endpoint " + id + " has no port '" + name + "', only " + ports.keySet());
    }
    return port;
  }

  /** {@code host:port} of the only (or first by name) port. */
  public String address() {
    return ports.isEmpty() ? host : host + ":" + ports.values().iterator().next();
  }
}
