package dev.orchestrator.docker;

import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ContainerPort;
import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.ContainerState;
import dev.orchestrator.runtime.PublishedPort;
import dev.orchestrator.runtime.RuntimeEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;

/**
 * Lists containers with one engine call where it can, instead of one inspect per container.
 *
 * <p>The engine's listing lacks a container's start time, exit code and OOM flag, and it lags
 * behind the engine's events: right after a {@code die} event a container may still be listed as
 * running. So the listing alone is used only while the event stream is connected and covers the
 * listed containers (it then reports every start and death), and only for containers whose facts
 * are known: the start time from an earlier inspect, and for a dead one its exit code, OOM flag
 * and time from its {@code oom} and {@code die} events (the same facts an inspect would give, and
 * the engine sets them in the same order). A death the stream reported always wins over a listing
 * that still says running. Every other container is inspected, and what the inspect says is kept.
 *
 * <p>Thread-safe: the maps are concurrent; events arrive on the event thread, listings on
 * callers' threads.
 */
final class Listing {
  private static final int MAX_TRACKED = 100_000;
  /** How long after a container's start time the engine may log its start event. */
  private static final java.time.Duration SAME_START = java.time.Duration.ofSeconds(5);

  /** How a container ended. */
  private record Exit(int code, boolean oomKilled, Instant at) { }

  private final Map<String, Instant> startedAt = new ConcurrentHashMap<>();
  private final Map<String, Exit> exits = new ConcurrentHashMap<>();
  private final Set<String> oomKilled = ConcurrentHashMap.newKeySet();

  /** Called by the event stream before listeners see the event. */
  void observe(RuntimeEvent event) {
    String id = event.containerId();
    if (id == null || id.isEmpty()) {
      return;
    }
    switch (event.type()) {
      case OOM_KILLED -> oomKilled.add(id);
      case DIED -> {
        if (exits.size() < MAX_TRACKED) {
          exits.put(id, new Exit(event.exitCode(), oomKilled.remove(id), event.time()));
        }
      }
      case STARTED -> {
        if (!sameStart(id, event.time())) { // started again: a new start time, learnt from the next inspect
          startedAt.remove(id);
          exits.remove(id);
          oomKilled.remove(id);
        }
      }
      case REMOVED -> forget(id);
      default -> { }
    }
  }

  /**
   * Whether a start event reports the start an inspect already saw: the stream often delivers it
   * after the inspect that follows the start call (the engine logs it before answering that call).
   * A restart has a death in between, which the stream delivers first; an event at most
   * {@link #SAME_START} after the known start time with no death seen since is that same start.
   */
  private boolean sameStart(String id, Instant eventTime) {
    Instant started = startedAt.get(id);
    return started != null && eventTime != null && !exits.containsKey(id) && !oomKilled.contains(id)
        && eventTime.isBefore(started.plus(SAME_START));
  }

  void forget(String id) {
    startedAt.remove(id);
    exits.remove(id);
    oomKilled.remove(id);
  }

  /** Records what an inspect learnt, so that the next listings need not inspect it again. */
  ContainerInfo inspected(ContainerInfo info) {
    if (startedAt.size() >= MAX_TRACKED || info.startedAt() == null) {
      return info;
    }
    if (info.running()) {
      startedAt.put(info.id(), info.startedAt());
    } else if (info.state() == ContainerState.EXITED && info.finishedAt() != null) {
      startedAt.put(info.id(), info.startedAt());
      exits.put(info.id(), new Exit(info.exitCode(), info.oomKilled(), info.finishedAt()));
    }
    return info;
  }

  /**
   * The listed containers, each from the listing when it is trusted (see the class comment), else
   * from {@code inspect} (left out when the container vanished in between).
   *
   * @param trusted whether the event stream is connected and reports the events of these containers
   */
  List<ContainerInfo> infos(List<Container> listed, boolean trusted, String node, String hostAddress,
      Function<String, Optional<ContainerInfo>> inspect) {
    List<ContainerInfo> result = new ArrayList<>(listed.size());
    for (Container c : listed) {
      Instant started = startedAt.get(c.getId());
      Exit exit = exits.get(c.getId());
      ContainerState listedState = ContainerMapping.state(c.getState());
      if (trusted && started != null && exit != null) {
        result.add(fromListing(c, ContainerState.EXITED, started, exit, node, hostAddress));
      } else if (trusted && started != null && listedState == ContainerState.RUNNING) {
        result.add(fromListing(c, ContainerState.RUNNING, started, null, node, hostAddress));
      } else {
        inspect.apply(c.getId()).map(this::inspected).ifPresent(result::add);
      }
    }
    return result;
  }

  private static ContainerInfo fromListing(Container c, ContainerState state, Instant started, Exit exit, String node,
      String hostAddress) {
    List<PublishedPort> ports = new ArrayList<>();
    if (c.getPorts() != null) {
      for (ContainerPort p : c.getPorts()) {
        if (p.getPublicPort() == null || p.getPrivatePort() == null) {
          continue;
        }
        PublishedPort port = new PublishedPort(p.getPrivatePort(), p.getType() == null ? "tcp" : p.getType(),
            ContainerMapping.bindingAddress(p.getIp(), hostAddress), p.getPublicPort());
        if (ports.stream().noneMatch(q -> q.containerPort() == port.containerPort() && q.protocol().equals(port.protocol()))) {
          ports.add(port);
        }
      }
    }
    ports.sort(Comparator.comparingInt(PublishedPort::containerPort));
    Map<String, String> networks = c.getNetworkSettings() == null ? Map.of()
        : ContainerMapping.addresses(c.getNetworkSettings().getNetworks());
    String name = c.getNames() == null || c.getNames().length == 0 ? "" : ContainerMapping.stripSlash(c.getNames()[0]);
    return new ContainerInfo(c.getId(), name, node, c.getImage(), c.getLabels() == null ? Map.of() : c.getLabels(),
        state, exit == null ? -1 : exit.code(), exit != null && exit.oomKilled(), started, exit == null ? null : exit.at(),
        exit == null ? ports : List.of(), exit == null ? networks : Map.of());
  }
}
