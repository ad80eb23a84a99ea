package dev.orchestrator.network.dns;

import dev.orchestrator.registry.Endpoint;
import java.util.Map;
import java.util.Objects;

/**
 * Which of an endpoint's two faces a DNS answer gives: the host-reachable one ({@link Endpoint#host()}
 * and {@link Endpoint#ports()}), or the in-network one on a named network (the replica's address on
 * that network and {@link Endpoint#containerPorts()}).
 */
public final class AddressFace {
  private static final AddressFace HOST = new AddressFace(null);

  private final String network;

  private AddressFace(String network) {
    this.network = network;
  }

  /** Host address and published ports; the face for callers on the orchestrator's host. */
  public static AddressFace host() {
    return HOST;
  }

  /** Container address on {@code network} and container ports; the face for containers on that network. */
  public static AddressFace network(String network) {
    Objects.requireNonNull(network, "network");
    if (network.isBlank()) {
      throw new IllegalArgumentException("network name must not be blank");
    }
    return new AddressFace(network);
  }

  /** The address to publish, or null when the endpoint has none on this face. */
  String address(Endpoint endpoint) {
    if (network != null) {
      return endpoint.networks().get(network);
    }
    String host = endpoint.host();
    // a port published on every interface is reachable on loopback
    return host.equals("0.0.0.0") || host.equals("::") ? "127.0.0.1" : host;
  }

  Map<String, Integer> ports(Endpoint endpoint) {
    return network != null ? endpoint.containerPorts() : endpoint.ports();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof AddressFace f && Objects.equals(f.network, network);
  }

  @Override
  public int hashCode() {
    return Objects.hashCode(network);
  }

  @Override
  public String toString() {
    return network == null ? "host" : "network " + network;
  }
}
