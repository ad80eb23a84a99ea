package dev.orchestrator.process;

import dev.orchestrator.runtime.ContainerRuntimeException;
import dev.orchestrator.spec.PortSpec;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * Host-port allocation and the PORT environment variables of process containers.
 *
 * <p>A free port is found by binding a socket to port 0 on the host address and closing it.
 * Between that close and the container process binding the port, another program may take it
 * (a small race inherent to handing ports to child processes); the container then fails to
 * listen and the orchestrator replaces it. Ports already handed to this runtime's containers
 * are never handed out twice.
 */
final class Ports {
  private static final int ATTEMPTS = 20;

  private Ports() {}

  /** The spec's ports with every host port 0 replaced by a free one not in {@code taken}. */
  static List<PortSpec> allocate(List<PortSpec> ports, InetAddress host, Set<Integer> taken, String node, String name) {
    Set<Integer> used = new HashSet<>(taken);
    List<PortSpec> resolved = new ArrayList<>();
    for (PortSpec port : ports) {
      int hostPort = port.hostPort() > 0 ? port.hostPort() : free(port.protocol(), host, used, node, name);
      used.add(hostPort);
      resolved.add(port.withHostPort(hostPort));
    }
    return resolved;
  }

  /** {@code PORT} (the first port) and {@code PORT_<NAME>} for every port. */
  static Map<String, String> env(List<PortSpec> ports) {
    Map<String, String> env = new TreeMap<>();
    if (!ports.isEmpty()) {
      env.put("PORT", Integer.toString(ports.get(0).hostPort()));
    }
    for (PortSpec port : ports) {
      env.put("PORT_" + port.name().toUpperCase(Locale.ROOT).replace('-', '_'), Integer.toString(port.hostPort()));
    }
    return env;
  }

  private static int free(PortSpec.Protocol protocol, InetAddress host, Set<Integer> used, String node, String name) {
    for (int attempt = 0; attempt < ATTEMPTS; attempt++) {
      int port;
      try {
        port = protocol == PortSpec.Protocol.TCP ? freeTcp(host) : freeUdp(host);
      } catch (IOException e) {
        throw new ContainerRuntimeException(node, name, "no free " + protocol + " port on " + host.getHostAddress() + ": " + e, e);
      }
      if (!used.contains(port)) {
        return port;
      }
    }
    throw new ContainerRuntimeException(node, name, "no free " + protocol + " port on " + host.getHostAddress() + " after " + ATTEMPTS + " attempts");
  }

  private static int freeTcp(InetAddress host) throws IOException {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(false);
      socket.bind(new InetSocketAddress(host, 0));
      return socket.getLocalPort();
    }
  }

  private static int freeUdp(InetAddress host) throws IOException {
    try (DatagramSocket socket = new DatagramSocket(new InetSocketAddress(host, 0))) {
      return socket.getLocalPort();
    }
  }
}
