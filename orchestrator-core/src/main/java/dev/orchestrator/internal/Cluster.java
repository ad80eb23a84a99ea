package dev.orchestrator.internal;

import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.NodeUnavailableException;
import dev.orchestrator.runtime.OwnerLabels;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The nodes an orchestrator drives, and what they run for it. Observation is always a fresh
 * listing by ownership labels: the runtime is the truth, events only say when to look.
 * Immutable after construction; thread-safe.
 */
final class Cluster {
  private static final Logger log = LoggerFactory.getLogger(Cluster.class);
  private final String instanceId;
  private final Map<String, Node> nodes = new LinkedHashMap<>();

  /** One container and the node it lives on. */
  record Observed(Node node, ContainerInfo container) {}

  Cluster(String instanceId, List<Node> nodes) {
    this.instanceId = instanceId;
    nodes.forEach(n -> this.nodes.put(n.name(), n));
  }

  String instanceId() {
    return instanceId;
  }

  List<Node> nodes() {
    return List.copyOf(nodes.values());
  }

  Node node(String name) {
    Node n = nodes.get(name);
    if (n == null) {
      throw new IllegalArgumentException("no node '" + name + "'");
    }
    return n;
  }

  /**
   * What the nodes run for one service. {@code uncertain} names nodes that timed out: their
   * containers are unknown, so the caller must not place slots that might live there.
   * {@code unavailable} names nodes that were down: their replicas count as lost, but nothing may
   * be placed on them until a later observation lists them (they may still run those replicas).
   */
  record Observation(List<Observed> containers, Set<String> uncertain, Set<String> unavailable) {}

  /**
   * Every container of the service on every reachable node. A node that is down contributes
   * nothing (its replicas count as lost) and is reported as unavailable; a node that times out is
   * reported as uncertain.
   */
  Observation observe(String service) {
    List<Observed> out = new ArrayList<>();
    Set<String> uncertain = new TreeSet<>();
    Set<String> unavailable = new TreeSet<>();
    for (Node n : nodes.values()) {
      try {
        for (ContainerInfo c : n.call("list", service, () -> n.runtime().list(OwnerLabels.ofService(instanceId, service)))) {
          out.add(new Observed(n, c));
        }
      } catch (NodeUnavailableException e) {
        log.debug("node {} unavailable while observing {}: {}", n.name(), service, e.getMessage());
        unavailable.add(n.name());
      } catch (RuntimeException e) {
        log.info("node {} did not list {}: {}", n.name(), service, e.getMessage());
        uncertain.add(n.name());
      }
    }
    return new Observation(out, uncertain, unavailable);
  }

  /** Services that have containers owned by this instance on a reachable node. */
  Set<String> ownedServices() {
    Set<String> services = new TreeSet<>();
    for (Node n : nodes.values()) {
      try {
        n.call("list", "", () -> n.runtime().list(OwnerLabels.ofInstance(instanceId)))
            .forEach(c -> {
              String s = c.label(OwnerLabels.SERVICE);
              if (s != null) {
                services.add(s);
              }
            });
      } catch (RuntimeException e) {
        log.debug("node {} not listed: {}", n.name(), e.getMessage());
      }
    }
    return services;
  }
}
