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
 * The nodes an orchestrator drives, and what they run for it, read through the
 * {@link ObservedState} (listings by ownership labels, kept between passes and refreshed where
 * events or changes say, see there). Immutable after construction; thread-safe.
 */
final class Cluster {
  private static final Logger log = LoggerFactory.getLogger(Cluster.class);
  private final Map<String, Node> nodes = new LinkedHashMap<>();
  private final ObservedState observed;
  /** Node name to its position in the node list. */
  private final Map<String, Integer> order = new java.util.HashMap<>();

  /** One container and the node it lives on. */
  record Observed(Node node, ContainerInfo container) {}

  Cluster(List<Node> nodes, ObservedState observed) {
    this.observed = observed;
    nodes.forEach(n -> this.nodes.put(n.name(), n));
    nodes.forEach(n -> order.put(n.name(), order.size()));
  }

  ObservedState observed() {
    return observed;
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
    List<Node> toRead = new ArrayList<>();
    observed.nodesToRead(service, nodes.keySet()).forEach(name -> toRead.add(nodes.get(name)));
    toRead.sort(java.util.Comparator.comparingInt(n -> order.get(n.name())));
    for (Node n : toRead) {
      try {
        for (ContainerInfo c : observed.read(n, service)) {
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

  /** What a relisting of every node found: the services with containers there, and those whose containers changed. */
  record Relisted(Set<String> owned, Set<String> changed) {}

  /**
   * Lists every reachable node in full (the resync that bounds how stale the observed state can
   * get): the services that have containers owned by this instance there and, with the cache, the
   * services whose observed containers the listing changed.
   */
  Relisted relistAll() {
    Set<String> services = new TreeSet<>();
    Set<String> changed = new TreeSet<>();
    for (Node n : nodes.values()) {
      try {
        if (observed.cached()) {
          changed.addAll(observed.relist(n));
        }
        observed.readAll(n)
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
    return new Relisted(services, changed);
  }
}
