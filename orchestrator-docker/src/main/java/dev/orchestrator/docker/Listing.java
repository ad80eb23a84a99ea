package dev.orchestrator.docker;

import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ContainerPort;
import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.ContainerState;
import dev.orchestrator.runtime.PublishedPort;
import dev.orchestrator.runtime.RuntimeEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Lists containers with one engine call where it can, instead of one inspect per container.
 *
 * <p>The engine's listing lags behind its events: right after a {@code die} event a container may
 * still be listed as running. So the listing alone is trusted for a live container only when the
 * event stream is connected and covers the listed containers (it then reports every death), the
 * container has not died since it was last inspected, and its start time is known from an earlier
 * inspect (the listing has none). Every other container is inspected, as before.
 *
 * <p>Thread-safe: the two maps are concurrent; events arrive on the event thread, listings on
 * callers' threads.
 */
final class Listing {
  /** The listing catches up with a death within milliseconds; this is a wide margin. */
  private static final Duration DIED_MEMORY = Duration.ofMinutes(2);
  private static final int MAX_TRACKED = 100_000;

  private final Map<String, Instant> startedAt = new ConcurrentHashMap<>();
  private final Map<String, Long> diedAtNanos = new ConcurrentHashMap<>();

  /** Called by the event stream before listeners see the event. */
  void observe(RuntimeEvent event) {
    String id = event.containerId();
    if (id == null || id.isEmpty()) {
      return;
    }
    switch (event.type()) {
      case DIED, OOM_KILLED -> {
        diedAtNanos.put(id, System.nanoTime());
        startedAt.remove(id);
      }
      case STARTED -> startedAt.remove(id); // a new start time: learn it from the next inspect
      case REMOVED -> forget(id);
      default -> { }
    }
  }

  void forget(String id) {
    startedAt.remove(id);
    diedAtNanos.remove(id);
  }

  /** Records what an inspect learnt, so that the next listings need not inspect it again. */
  ContainerInfo inspected(ContainerInfo info) {
    if (info.running() && info.startedAt() != null && startedAt.size() < MAX_TRACKED) {
      startedAt.put(info.id(), info.startedAt());
    }
    return info;
  }

  /**
   * The listed containers, each from the listing when it is trusted (see the class comment), else
   * from {@code inspect} (empty when the container vanished in between).
   *
   * @param trusted whether the event stream is connected and reports the deaths of these containers
   */
  List<ContainerInfo> infos(List<Container> listed, boolean trusted, String node, String hostAddress,
      Function<String, Optional<ContainerInfo>> inspect) {
    pruneDied();
    List<ContainerInfo> result = new ArrayList<>(listed.size());
    for (Container c : listed) {
      Instant started = startedAt.get(c.getId());
      ContainerState state = ContainerMapping.state(c.getState());
      boolean fromListing = trusted && state == ContainerState.RUNNING && started != null && !diedAtNanos.containsKey(c.getId());
      if (fromListing) {
        result.add(fromListing(c, started, node, hostAddress));
      } else {
        inspect.apply(c.getId()).map(this::inspected).ifPresent(result::add);
      }
    }
    return result;
  }

  private void pruneDied() {
    long now = System.nanoTime();
    diedAtNanos.values().removeIf(t -> now - t > DIED_MEMORY.toNanos());
  }

  private static ContainerInfo fromListing(Container c, Instant started, String node, String hostAddress) {
    List<PublishedPort> ports = new ArrayList<>();
    if (c.getPorts() != null) {
      for (ContainerPort p : c.getPorts()) {
        if (p.getPublicPort() == null || p.getPrivatePort() == null) {
          continue;
        }
        String ip = p.getIp();
        boolean wildcard = ip == null || ip.isEmpty() || ip.equals("0.0.0.0") || ip.equals("::");
        PublishedPort port = new PublishedPort(p.getPrivatePort(), p.getType() == null ? "tcp" : p.getType(),
            wildcard ? hostAddress : ip, p.getPublicPort());
        if (ports.stream().noneMatch(q -> q.containerPort() == port.containerPort() && q.protocol().equals(port.protocol()))) {
          ports.add(port);
        }
      }
    }
    ports.sort(Comparator.comparingInt(PublishedPort::containerPort));
    Map<String, String> networks = new TreeMap<>();
    if (c.getNetworkSettings() != null && c.getNetworkSettings().getNetworks() != null) {
      c.getNetworkSettings().getNetworks().forEach((name, n) -> {
        if (n != null && n.getIpAddress() != null && !n.getIpAddress().isEmpty()) {
          networks.put(name, n.getIpAddress());
        }
      });
    }
    String name = c.getNames() == null || c.getNames().length == 0 ? "" : ContainerMapping.stripSlash(c.getNames()[0]);
    return new ContainerInfo(c.getId(), name, node, c.getImage(), c.getLabels() == null ? Map.of() : c.getLabels(),
        ContainerState.RUNNING, -1, false, started, null, ports, networks);
  }
}
