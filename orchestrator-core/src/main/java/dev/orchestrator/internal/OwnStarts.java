package dev.orchestrator.internal;

import dev.orchestrator.runtime.RuntimeEvent;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.HashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.BooleanSupplier;

/**
 * The orchestrator's own creates and starts, whose inspected results {@link ObservedState} writes
 * through into its view (like the "expectations" of Kubernetes' controllers): the events they cause
 * then mark nothing, so the pass after a start does not list the node again.
 *
 * <p>While an own start is in flight on a (node, service) entry, the CREATED and STARTED events of
 * containers the entry does not hold are held. When the start ends with its container inspected,
 * that container's own CREATED and STARTED events are explained: those held are dropped, those
 * still to come are expected (once each, for {@code ttl}). Any other event marks the entry, and so
 * does anything still held when the entry's last own start ends (someone else's container), or a
 * start that failed. A death or removal of a container drops what was expected of it.
 *
 * <p>Not thread-safe: guarded by the {@link ObservedState} lock.
 */
final class OwnStarts {
  private static final Set<RuntimeEvent.Type> OWN = EnumSet.of(RuntimeEvent.Type.CREATED, RuntimeEvent.Type.STARTED);

  private record Key(String node, String service) {}

  private static final class InFlight {
    int starts;
    final List<RuntimeEvent> held = new ArrayList<>();
  }

  private record Expected(EnumSet<RuntimeEvent.Type> types, Instant until) {}

  private final Duration ttl;
  private final Map<Key, InFlight> inFlight = new HashMap<>();
  /** Container id to its own events not seen yet. */
  private final Map<String, Expected> expected = new HashMap<>();

  OwnStarts(Duration ttl) {
    this.ttl = ttl;
  }

  void begin(String node, String service) {
    inFlight.computeIfAbsent(new Key(node, service), k -> new InFlight()).starts++;
  }

  /**
   * Whether the event is explained by an own start, or held until one ends: then it marks nothing
   * now. {@code known}: whether the entry already holds the event's container (asked only while an own start is in flight).
   */
  boolean absorb(RuntimeEvent e, String service, BooleanSupplier known, Instant now) {
    if (!OWN.contains(e.type())) {
      expected.remove(e.containerId());
      return false;
    }
    Expected x = expected.get(e.containerId());
    if (x != null && !now.isAfter(x.until()) && x.types().remove(e.type())) {
      if (x.types().isEmpty()) {
        expected.remove(e.containerId());
      }
      return true;
    }
    InFlight f = inFlight.get(new Key(e.node(), service));
    if (f != null && !known.getAsBoolean()) {
      f.held.add(e);
      return true;
    }
    return false;
  }

  /**
   * An own start on the entry ended, with its container ({@code null}: it failed). Returns whether
   * the entry must be marked: the start failed, or its last own start ended with events held that
   * no own start explained.
   */
  boolean end(String node, String service, String containerId, Instant now) {
    Key key = new Key(node, service);
    InFlight f = inFlight.get(key);
    if (f == null) {
      return true;
    }
    if (containerId != null) {
      EnumSet<RuntimeEvent.Type> toCome = EnumSet.copyOf(OWN);
      for (Iterator<RuntimeEvent> it = f.held.iterator(); it.hasNext(); ) {
        RuntimeEvent e = it.next();
        if (e.containerId().equals(containerId) && toCome.remove(e.type())) {
          it.remove();
        }
      }
      expected.values().removeIf(x -> now.isAfter(x.until()));
      if (!toCome.isEmpty()) {
        expected.put(containerId, new Expected(toCome, now.plus(ttl)));
      }
    }
    boolean mark = containerId == null;
    if (--f.starts == 0) {
      mark |= !f.held.isEmpty();
      inFlight.remove(key);
    }
    return mark;
  }
}
