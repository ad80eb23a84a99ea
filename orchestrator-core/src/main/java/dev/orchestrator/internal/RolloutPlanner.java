package dev.orchestrator.internal;

import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.ContainerState;
import dev.orchestrator.spec.ServiceSpec;
import dev.orchestrator.spec.UpdatePolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Decides, once per pass and before anything is changed, which outdated slots are replaced and
 * how, so that the pass keeps the update policy's bounds: at most {@code replicas + surge} live
 * containers, at least {@code replicas - unavailable} available slots. Slots are taken in order;
 * an outdated replica that is not ready costs nothing to replace. Pure apart from reading the
 * prober; used only by the worker reconciling the service.
 */
final class RolloutPlanner {
  private final HealthProber prober;

  /** What happens to a slot whose only live container runs an outdated spec. */
  enum Step {
    /** Keep it for now. */
    KEEP,
    /** Remove it, then place a new one. */
    STOP_FIRST,
    /** Place a new one next to it; it goes once the new one is available. */
    START_FIRST
  }

  /**
   * One slot's containers as this pass sees them: the one kept (running first, current spec
   * first, newest generation first), an outdated one still serving next to a running current one
   * (a replacement in flight), and duplicates to remove.
   */
  record SlotView(int slot, Cluster.Observed keep, Cluster.Observed partner, List<Cluster.Observed> duplicates) {
    List<Cluster.Observed> containers() {
      List<Cluster.Observed> all = new ArrayList<>(duplicates);
      if (keep != null) {
        all.add(keep);
      }
      if (partner != null) {
        all.add(partner);
      }
      return all;
    }
  }

  /** The steps for outdated slots, this pass's counts, and when a new replica becomes available. */
  record Plan(Map<Integer, Step> steps, Rollout.Counts counts, Duration recheckIn) {
    Step step(int slot) {
      return steps.getOrDefault(slot, Step.KEEP);
    }
  }

  RolloutPlanner(HealthProber prober) {
    this.prober = prober;
  }

  /**
   * Extra containers allowed: the policy's, except for a service with a fixed host port, whose
   * second container of a slot could not bind it on the same node: none.
   */
  static int surge(ServiceSpec spec) {
    return fixedHostPort(spec) ? 0 : spec.updatePolicy().surge(spec.replicas());
  }

  /** Slots allowed to be unavailable: the policy's, and at least 1 when no surge is possible. */
  static int unavailable(ServiceSpec spec) {
    int u = spec.updatePolicy().unavailable(spec.replicas());
    return fixedHostPort(spec) ? Math.max(1, u) : u;
  }

  private static boolean fixedHostPort(ServiceSpec spec) {
    return spec.ports().stream().anyMatch(p -> p.hostPort() > 0);
  }

  static SlotView view(ServiceSpec spec, int slot, List<Cluster.Observed> found) {
    if (found.size() <= 1) {
      return new SlotView(slot, found.isEmpty() ? null : found.get(0), null, List.of());
    }
    List<Cluster.Observed> candidates = new ArrayList<>(found);
    candidates.sort(Comparator.comparing((Cluster.Observed o) -> !o.container().running())
        .thenComparing(o -> !o.current(spec))
        .thenComparing(o -> -o.generation()));
    Cluster.Observed keep = candidates.get(0);
    Cluster.Observed partner = null;
    if (keep.container().running() && keep.current(spec)) {
      partner = candidates.stream().filter(o -> o.container().running() && !o.current(spec)).findFirst().orElse(null);
    }
    List<Cluster.Observed> duplicates = new ArrayList<>(candidates.subList(1, candidates.size()));
    duplicates.remove(partner);
    return new SlotView(slot, keep, partner, duplicates);
  }

  /** Ready, and (for a container on the declared spec) ready for at least {@code minReady}. */
  boolean available(ServiceSpec spec, Cluster.Observed o, Map<String, Instant> readySince, Instant now) {
    ContainerInfo c = o.container();
    if (!c.running() || !prober.ready(c.id())) {
      return false;
    }
    Instant since = readySince.get(c.id());
    return !o.current(spec) || since != null && !now.isBefore(since.plus(spec.updatePolicy().minReady()));
  }

  Plan plan(ServiceSpec spec, List<SlotView> views, boolean active, Map<String, Instant> readySince, Instant now) {
    UpdatePolicy policy = spec.updatePolicy();
    int n = spec.replicas();
    int total = 0;
    int available = 0;
    int updated = 0;
    int ready = 0;
    int availableNew = 0;
    int outdated = 0;
    Duration recheck = null;
    List<SlotView> candidates = new ArrayList<>();
    for (SlotView v : views) {
      if (v.keep() == null) {
        total++; // placed this pass
        continue;
      }
      ContainerInfo k = v.keep().container();
      boolean live = k.state() != ContainerState.EXITED;
      boolean current = v.keep().current(spec);
      if (current && live) {
        updated++;
        boolean isReady = k.running() && prober.ready(k.id());
        boolean isAvailable = available(spec, v.keep(), readySince, now);
        ready += isReady ? 1 : 0;
        availableNew += isAvailable ? 1 : 0;
        if (isReady && !isAvailable) {
          Instant since = readySince.getOrDefault(k.id(), now);
          Duration left = Duration.between(now, since.plus(policy.minReady()));
          recheck = recheck == null || left.compareTo(recheck) < 0 ? left : recheck;
        }
        if (v.partner() != null && !isAvailable) {
          total += 2;
          outdated++;
          available += available(spec, v.partner(), readySince, now) ? 1 : 0;
        } else {
          total++;
          available += isAvailable ? 1 : 0;
        }
        continue;
      }
      total++;
      if (!current) {
        outdated++;
        if (live) {
          candidates.add(v);
          available += available(spec, v.keep(), readySince, now) ? 1 : 0;
        }
      }
    }
    Map<Integer, Step> steps = new HashMap<>();
    int surgeRoom = n + surge(spec) - total;
    int stopRoom = available - (n - unavailable(spec));
    for (SlotView v : candidates) {
      ContainerInfo c = v.keep().container();
      Step step = Step.KEEP;
      if (!active || c.running() && !prober.hasVerdict(c.id())) {
        step = Step.KEEP;
      } else if (!available(spec, v.keep(), readySince, now)) {
        step = Step.STOP_FIRST; // serves nothing: replacing it costs no availability
      } else if (policy.order() == UpdatePolicy.Order.START_FIRST ? surgeRoom > 0 : stopRoom <= 0 && surgeRoom > 0) {
        step = Step.START_FIRST;
        surgeRoom--;
      } else if (stopRoom > 0) {
        step = Step.STOP_FIRST;
        stopRoom--;
      }
      steps.put(v.slot(), step);
    }
    return new Plan(steps, new Rollout.Counts(n, updated, ready, availableNew, outdated), recheck);
  }
}
