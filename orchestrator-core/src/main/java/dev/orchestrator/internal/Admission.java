package dev.orchestrator.internal;

import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.ContainerState;
import dev.orchestrator.runtime.ImageNotFoundException;
import dev.orchestrator.runtime.OwnerLabels;
import dev.orchestrator.spec.NetworkSpec;
import dev.orchestrator.spec.PortSpec;
import dev.orchestrator.spec.ServiceSpec;
import dev.orchestrator.spec.ValidationException;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checks of a declaration that need the cluster and the other declarations: the image must
 * be available somewhere, fixed host ports must not clash with another declaration or with what
 * holds them now. Run before anything is stored.
 */
final class Admission {
  private static final Logger log = LoggerFactory.getLogger(Admission.class);
  private final Cluster cluster;
  private final DesiredState desired;

  Admission(Cluster cluster, DesiredState desired) {
    this.cluster = cluster;
    this.desired = desired;
  }

  /**
   * Refuses an image that every reachable node reports missing. When no node answers at all the
   * image cannot be checked, and the declaration is accepted: it converges once a node is back.
   */
  void checkImage(ServiceSpec spec) {
    List<String> reasons = new ArrayList<>();
    boolean anyAnswered = false;
    for (Node n : cluster.nodes()) {
      try {
        n.run("ensureImage", spec.image(), () -> n.runtime().ensureImage(spec.image()));
        return;
      } catch (ImageNotFoundException e) {
        anyAnswered = true;
        reasons.add(n.name() + ": " + e.getMessage());
      } catch (RuntimeException e) {
        reasons.add(n.name() + ": unreachable (" + e.getMessage() + ")");
      }
    }
    if (!anyAnswered) {
      log.warn("image {} of service {} not checked, no node answers: {}", spec.image(), spec.name(), reasons);
      return;
    }
    throw new ValidationException("service '" + spec.name() + "'",
        List.of(new ValidationException.Violation("image", spec.image(), "no node can provide it: " + String.join("; ", reasons))));
  }

  /**
   * Host ports against the declarations: one replica per node for a fixed port, no fixed port
   * published by two services, and no ports at all when every network of the service is declared
   * internal (nothing can be published from there).
   */
  void checkHostPorts(ServiceSpec spec) {
    List<ValidationException.Violation> problems = new ArrayList<>();
    if (!spec.ports().isEmpty() && !spec.networks().isEmpty()
        && spec.networks().stream().allMatch(n -> desired.network(n).map(NetworkSpec::internal).orElse(false))) {
      problems.add(new ValidationException.Violation("ports", spec.ports().stream().map(p -> p.name()).toList().toString(),
          "cannot be published on the host: every network of the service is internal " + spec.networks()
              + "; add a non-internal network or drop the ports"));
    }
    int nodes = cluster.nodes().size();
    for (int i = 0; i < spec.ports().size(); i++) {
      int hostPort = spec.ports().get(i).hostPort();
      if (hostPort == 0) {
        continue;
      }
      if (spec.replicas() > nodes) {
        problems.add(new ValidationException.Violation("ports[" + i + "].hostPort", String.valueOf(hostPort),
            "a fixed host port allows one replica per node: " + spec.replicas() + " replicas, " + nodes + " node(s)"));
      }
      for (ServiceSpec other : desired.services().values()) {
        if (!other.name().equals(spec.name()) && other.ports().stream().anyMatch(p -> p.hostPort() == hostPort)) {
          problems.add(new ValidationException.Violation("ports[" + i + "].hostPort", String.valueOf(hostPort),
              "already published by service '" + other.name() + "'"));
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new ValidationException("service '" + spec.name() + "'", problems);
    }
  }

  /**
   * Fixed host ports against what holds them now: a container of another service of this
   * instance (an orphan, or one being removed), named with its replica; on a node whose address
   * is local, anything else bound there ("another process"). A port held by this service's own
   * replicas is fine. A node that does not answer is not checked.
   */
  void checkHostPortHolders(ServiceSpec spec) {
    if (spec.ports().stream().allMatch(p -> p.hostPort() == 0)) {
      return;
    }
    List<ValidationException.Violation> problems = new ArrayList<>();
    for (Node n : cluster.nodes()) {
      List<ContainerInfo> owned;
      try {
        if (cluster.observed().cached()) {
          cluster.observed().relist(n); // "now": the view may not know yet of a container created behind our back
        }
        owned = cluster.observed().readAll(n);
      } catch (RuntimeException e) {
        log.warn("host ports of service {} not checked on node {}: {}", spec.name(), n.name(), e.getMessage());
        continue;
      }
      for (int i = 0; i < spec.ports().size(); i++) {
        PortSpec port = spec.ports().get(i);
        if (port.hostPort() == 0) {
          continue;
        }
        String holder = holder(spec, port, n, owned);
        if (holder != null) {
          problems.add(new ValidationException.Violation("ports[" + i + "].hostPort", String.valueOf(port.hostPort()), holder));
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new ValidationException("service '" + spec.name() + "'", problems);
    }
  }

  /** Who holds the port on the node, or null when it is free or held by the service itself. */
  private static String holder(ServiceSpec spec, PortSpec port, Node n, List<ContainerInfo> owned) {
    String protocol = port.protocol().name().toLowerCase(Locale.ROOT);
    for (ContainerInfo c : owned) {
      boolean holds = c.state() != ContainerState.EXITED && c.ports().stream()
          .anyMatch(p -> p.hostPort() == port.hostPort() && p.protocol().equals(protocol));
      if (holds) {
        String service = c.label(OwnerLabels.SERVICE);
        if (spec.name().equals(service)) {
          return null;
        }
        return "already in use on node " + n.name() + " by replica " + ReplicaOps.replicaName(service, ReplicaOps.slotOf(c))
            + " of service '" + service + "' (container " + c.name() + ")";
      }
    }
    String address = n.info().address();
    if (isLocal(address) && !bindable(address, port)) {
      return "already in use on node " + n.name() + " by another process (" + address + ":" + port.hostPort() + "/"
          + protocol + " cannot be bound)";
    }
    return null;
  }

  /** Whether the address is an IP literal of this machine (names are not resolved here). */
  private static boolean isLocal(String address) {
    if (!address.matches("[0-9.]+") && !address.contains(":")) {
      return false;
    }
    try {
      InetAddress a = InetAddress.getByName(address);
      return a.isLoopbackAddress() || a.isAnyLocalAddress() || NetworkInterface.getByInetAddress(a) != null;
    } catch (IOException e) {
      return false;
    }
  }

  private static boolean bindable(String address, PortSpec port) {
    InetSocketAddress at = new InetSocketAddress(address, port.hostPort());
    try (java.io.Closeable socket = port.protocol() == PortSpec.Protocol.UDP ? new DatagramSocket(at) : bound(at)) {
      return true;
    } catch (IOException e) {
      return false;
    }
  }

  private static ServerSocket bound(InetSocketAddress at) throws IOException {
    ServerSocket socket = new ServerSocket();
    try {
      socket.setReuseAddress(false);
      socket.bind(at);
      return socket;
    } catch (IOException e) {
      socket.close();
      throw e;
    }
  }
}
