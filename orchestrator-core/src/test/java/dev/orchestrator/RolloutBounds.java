package dev.orchestrator;

import dev.orchestrator.registry.Endpoint;
import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.ContainerState;
import dev.orchestrator.runtime.OwnerLabels;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.stream.Collectors;

/**
 * A simulator invariant for one service during a rollout, checked at every simulator step once
 * armed: at most {@code maxLive} live containers, at least {@code minAvailable} running containers
 * past their image's warm-up (plus {@code minReady} for images that have one), and a registry that
 * lists only containers past their warm-up, at least {@code minAvailable} of them (when
 * {@code checkRegistry}).
 */
final class RolloutBounds implements Consumer<List<ContainerInfo>> {
  final List<String> violations = new CopyOnWriteArrayList<>();
  private final String service;
  private final Map<String, Duration> warmUp;
  private volatile Clock clock;
  volatile boolean armed;
  volatile boolean checkRegistry = true;
  volatile int maxLive = Integer.MAX_VALUE;
  volatile int minAvailable;
  /** How long a container of an image with a warm-up must have been warm to count as available. */
  volatile Duration minReady = Duration.ZERO;
  volatile Orchestrator orchestrator;
  /** The most live and the fewest available containers seen at a step while armed. */
  final java.util.concurrent.atomic.AtomicInteger mostLive = new java.util.concurrent.atomic.AtomicInteger();
  final java.util.concurrent.atomic.AtomicInteger fewestAvailable = new java.util.concurrent.atomic.AtomicInteger(Integer.MAX_VALUE);

  /** {@code warmUp}: how long each image takes from start to ready (absent: at once). */
  RolloutBounds(String service, Map<String, Duration> warmUp) {
    this.service = service;
    this.warmUp = warmUp;
  }

  /** Starts checking, with the simulator's clock, against the orchestrator's registry. */
  void arm(Orchestrator o, Clock clock, int maxLive, int minAvailable) {
    this.orchestrator = o;
    this.clock = clock;
    this.maxLive = maxLive;
    this.minAvailable = minAvailable;
    this.armed = true;
  }

  private boolean warm(ContainerInfo c) {
    return c.running() && c.startedAt() != null
        && !clock.instant().isBefore(c.startedAt().plus(warmUp.getOrDefault(c.image(), Duration.ZERO)));
  }

  private boolean available(ContainerInfo c) {
    Duration extra = warmUp.containsKey(c.image()) ? minReady : Duration.ZERO;
    return warm(c) && !clock.instant().isBefore(c.startedAt().plus(warmUp.getOrDefault(c.image(), Duration.ZERO)).plus(extra));
  }

  @Override
  public void accept(List<ContainerInfo> all) {
    if (!armed) {
      return;
    }
    List<ContainerInfo> mine = all.stream().filter(c -> service.equals(c.label(OwnerLabels.SERVICE))).toList();
    long live = mine.stream().filter(c -> c.state() != ContainerState.EXITED).count();
    mostLive.accumulateAndGet((int) live, Math::max);
    if (live > maxLive) {
      violations.add(clock.instant() + ": " + live + " live containers, at most " + maxLive + " allowed: " + describe(mine));
    }
    Set<String> warm = mine.stream().filter(this::warm).map(ContainerInfo::id).collect(Collectors.toSet());
    long available = mine.stream().filter(this::available).count();
    fewestAvailable.accumulateAndGet((int) available, Math::min);
    if (available < minAvailable) {
      violations.add(clock.instant() + ": " + available + " available, at least " + minAvailable + " required: " + describe(mine));
    }
    Orchestrator o = orchestrator;
    if (checkRegistry && o != null) {
      List<Endpoint> listed = o.registry().lookup(service).endpoints();
      for (Endpoint e : listed) {
        if (!warm.contains(e.metadata().get("container"))) {
          violations.add(clock.instant() + ": registry lists " + e.id() + " (container " + e.metadata().get("container") + "), which is not ready");
        }
      }
      if (listed.size() < minAvailable) {
        violations.add(clock.instant() + ": registry lists " + listed.size() + ", at least " + minAvailable + " required");
      }
    }
  }

  private static String describe(List<ContainerInfo> containers) {
    return containers.stream().map(c -> c.name() + "/" + c.state() + "/" + c.label(OwnerLabels.SPEC_HASH)).toList().toString();
  }
}
