package dev.orchestrator.spec;

import java.util.Objects;

/**
 * A port a service listens on. {@code hostPort} 0 means "any free port" (the runtime picks one).
 *
 * @param name a short name used in env vars and SRV records; defaults to {@code "p<containerPort>"}
 * @param containerPort the port inside the container, 1..65535
 * @param hostPort the published port on the node, 0 for a random one
 * @param protocol TCP or UDP
 */
public record PortSpec(String name, int containerPort, int hostPort, Protocol protocol) {
  /** Transport protocol of a port. */
  public enum Protocol {
    TCP,
    UDP
  }

  public PortSpec {
    Objects.requireNonNull(protocol, "protocol");
    name = name == null || name.isEmpty() ? "p" + containerPort : name;
  }

  /** A TCP port published on a random host port. */
  public static PortSpec tcp(int containerPort) {
    return new PortSpec(null, containerPort, 0, Protocol.TCP);
  }

  /** A named TCP port published on a random host port. */
  public static PortSpec tcp(String name, int containerPort) {
    return new PortSpec(name, containerPort, 0, Protocol.TCP);
  }

  public PortSpec withHostPort(int hostPort) {
    return new PortSpec(name, containerPort, hostPort, protocol);
  }

  public PortSpec withName(String name) {
    return new PortSpec(name, containerPort, hostPort, protocol);
  }

  public PortSpec withProtocol(Protocol protocol) {
    return new PortSpec(name, containerPort, hostPort, protocol);
  }
}
