package dev.orchestrator.internal;

import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.NodeUnavailableException;
import dev.orchestrator.runtime.OwnerLabels;
import dev.orchestrator.spec.ServiceSpec;
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

  /**
   * One container and the node it lives on, with its slot, generation and spec hash read from its
   * labels once (a pass asks for them several times per container).
   */
  record Observed(Node node, ContainerInfo container, int slot, long generation, String specHash) {
    Observed(Node node, ContainerInfo container) {
      this(node, container, ReplicaOps.slotOf(container), ReplicaOps.generationOf(container),
          container.label(OwnerLabels.SPEC_HASH));
    }

    /** Whether the container runs the spec as declared now. */
    boolean current(ServiceSpec spec) {
      return spec.specHash().equals(specHash);
    }
  }

  Cluster(List<Node> nodes, ObservedState observed) {
    this.observed = observed;
    nodes.forEach(n -> this.nodes.put(n.name(), n));
    observed.attach(nodes);
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
    for (ObservedState.Peek peek : observed.peekService(service)) {
      Node n = peek.node();
      if (peek.containers() != null) {
        out.addAll(peek.containers());
        continue;
      }
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
    Set<String> services = new java.util.HashSet<>();
    Set<String> changed = new java.util.HashSet<>();
    for (Node n : nodes.values()) {
      try {
        if (observed.cached()) {
          ObservedState.Relisting found = observed.relist(n);
          services.addAll(found.services());
          changed.addAll(found.changed());
          continue;
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
    return new Relisted(new TreeSet<>(services), new TreeSet<>(changed)); // sorted: passes are queued in name order
  }
}
