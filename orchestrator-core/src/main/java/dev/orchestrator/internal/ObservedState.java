package dev.orchestrator.internal;

import dev.orchestrator.internal.NodeView.Entry;
import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.OwnerLabels;
import dev.orchestrator.runtime.RuntimeEvent;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What the nodes run for this instance, kept between passes, indexed by node and service (an
 * informer). A node is listed in full when its view is missing: at start, after it went down or
 * came back, after any call to it timed out or found it unavailable, and when the view is older
 * than {@code maxStaleness} (the periodic resync relists every node). Between listings, runtime
 * events and the orchestrator's own create, start, stop and remove mark the (node, service) entry
 * dirty, and the next read of that service lists just that entry again. An entry is clean only
 * when a listing <em>began</em> after its last mark (sequence numbers), so a listing that raced an
 * event or a change never hides it.
 *
 * <p>A died or removed event is trusted over a later listing that still shows the container
 * ({@link TrustedDeaths}, for {@code maxStaleness}). The orchestrator's own create+start writes its
 * inspected container through into the entry, and the events it causes mark nothing ({@link OwnStarts});
 * a listing that began before such a write marks the entry instead of replacing it.
 *
 * <p>With {@code cached == false} every read lists the node (the behaviour before this cache; kept
 * for side-by-side measurement). Thread-safe: one lock guards the views; engine calls are made
 * outside it.
 */
final class ObservedState {
  private final String instanceId;
  private final Clock clock;
  private final Duration maxStaleness;
  private final boolean cached;
  private final Object lock = new Object();
  /** Orders marks and listings; guarded by {@link #lock}. */
  private long seq;
  /** Guarded by {@link #lock}. */
  private final Map<String, NodeView> views = new HashMap<>();
  /** Service to the nodes whose views hold an entry for it; guarded by {@link #lock}. */
  private final Map<String, Set<NodeView>> nodesByService = new HashMap<>();
  /** Nodes lost or never listed since; guarded by {@link #lock}. */
  private final Set<String> notFresh = new HashSet<>();
  /** No listed node's view gets too old before this; guarded by {@link #lock}. */
  private Instant freshUntil = Instant.MIN;
  /** Guarded by {@link #lock}. */
  private final TrustedDeaths deaths;
  /** Guarded by {@link #lock}. */
  private final OwnStarts own;

  ObservedState(String instanceId, Clock clock, Duration maxStaleness, boolean cached) {
    this.instanceId = instanceId;
    this.clock = clock;
    this.maxStaleness = maxStaleness;
    this.cached = cached;
    this.deaths = new TrustedDeaths(maxStaleness);
    this.own = new OwnStarts(maxStaleness);
  }

  boolean cached() {
    return cached;
  }

  /** Tells the views which node each name is and where it stands in the cluster's node order. */
  void attach(List<Node> nodes) {
    synchronized (lock) {
      for (int i = 0; i < nodes.size(); i++) {
        NodeView v = view(nodes.get(i).name());
        v.node = nodes.get(i);
        v.position = i;
      }
    }
  }

  /** The service's containers on the node, from the view when it is fresh, else listed now; throws what the listing throws. */
  List<ContainerInfo> read(Node node, String service) {
    if (!cached) {
      return node.call("list", service, () -> node.runtime().list(OwnerLabels.ofService(instanceId, service)));
    }
    refresh(node);
    synchronized (lock) {
      Entry e = view(node.name()).services.get(service);
      if (e == null || !e.dirty()) {
        return visible(e);
      }
    }
    long start;
    synchronized (lock) {
      start = seq;
    }
    List<ContainerInfo> listed = node.call("list", service, () -> node.runtime().list(OwnerLabels.ofService(instanceId, service)));
    synchronized (lock) {
      NodeView v = view(node.name());
      apply(v, service, listed, start);
      return visible(v.services.get(service));
    }
  }

  /** Every container of this instance on the node: the fresh view, or listed now. */
  List<ContainerInfo> readAll(Node node) {
    if (!cached) {
      return node.call("list", "", () -> node.runtime().list(OwnerLabels.ofInstance(instanceId)));
    }
    refresh(node);
    synchronized (lock) {
      List<ContainerInfo> out = peekAll(node.name());
      return out == null ? List.of() : out;
    }
  }

  /** Lists the node in full when its view is not fresh; throws what the listing throws. */
  void refresh(Node node) {
    if (cached && !fresh(node.name())) {
      relist(node);
    }
  }

  /**
   * Every container of this instance on the node as last observed (dirty entries included), or
   * null when the view is not fresh. Makes no call: for callers holding their own lock.
   */
  List<ContainerInfo> peekAll(String node) {
    synchronized (lock) {
      if (!fresh(node)) {
        return null;
      }
      List<ContainerInfo> out = new ArrayList<>();
      for (Entry e : view(node).services.values()) {
        out.addAll(visible(e));
      }
      return out;
    }
  }

  /**
   * One node a read of a service must look at: its containers of the service when its view is
   * fresh and the entry clean, else null (the caller reads the node with {@link #read}).
   */
  record Peek(Node node, int position, List<Cluster.Observed> containers) {}

  /**
   * What the views tell about one service without a call, in one locked step, for each node a
   * read of the service must look at (those whose views hold the service, and those not fresh),
   * in the cluster's node order. Every attached node, all to be read, without the cache.
   */
  List<Peek> peekService(String service) {
    List<Peek> out = new ArrayList<>();
    synchronized (lock) {
      if (!cached) {
        views.values().forEach(v -> out.add(new Peek(v.node, v.position, null)));
      } else {
        Instant now = clock.instant();
        for (NodeView v : nodesByService.getOrDefault(service, Set.of())) {
          Entry e = v.services.get(service);
          out.add(new Peek(v.node, v.position, fresh(v, now) && !e.dirty() ? observed(v, e) : null));
        }
        for (String name : notFresh(now)) {
          NodeView v = view(name);
          if (!v.services.containsKey(service)) {
            out.add(new Peek(v.node, v.position, null));
          }
        }
      }
    }
    out.removeIf(p -> p.node() == null); // a name no node of the cluster has
    if (out.size() > 1) {
      out.sort(Comparator.comparingInt(Peek::position));
    }
    return out;
  }

  /** What a full listing of a node found: the services with containers there, and those whose entries changed. */
  record Relisting(Set<String> services, Set<String> changed) {}

  /** Lists the node in full now and replaces its view. Throws what the listing throws. */
  Relisting relist(Node node) {
    long start;
    synchronized (lock) {
      start = seq;
    }
    List<ContainerInfo> listed = node.call("list", "", () -> node.runtime().list(OwnerLabels.ofInstance(instanceId)));
    Map<String, List<ContainerInfo>> byService = new HashMap<>();
    for (ContainerInfo c : listed) {
      String service = c.label(OwnerLabels.SERVICE);
      if (service != null) {
        byService.computeIfAbsent(service, k -> new ArrayList<>()).add(c);
      }
    }
    synchronized (lock) {
      NodeView v = view(node.name());
      Set<String> services = new HashSet<>(byService.keySet());
      services.addAll(v.services.keySet());
      Set<String> changed = new HashSet<>();
      for (String s : services) {
        if (apply(v, s, byService.getOrDefault(s, List.of()), start)) {
          changed.add(s);
        }
      }
      if (start >= v.listedSeq) {
        v.listedSeq = start;
        v.listedAt = clock.instant();
        v.version++;
        if (v.listedSeq >= v.lostSeq) {
          notFresh.remove(v.name);
        }
        Instant until = v.listedAt.plus(maxStaleness);
        freshUntil = until.isBefore(freshUntil) ? until : freshUntil;
      }
      return new Relisting(byService.keySet(), changed);
    }
  }

  /** The node's view is lost (down, back, a call timed out): the next read lists it in full. */
  void lose(String node) {
    synchronized (lock) {
      NodeView v = view(node);
      v.lostSeq = ++seq;
      v.version++;
      notFresh.add(node);
    }
  }

  /** The service's entry on the node may have changed (an event, or a change the orchestrator makes). */
  void touch(String node, String service) {
    synchronized (lock) {
      NodeView v = view(node);
      entry(v, service).dirtySeq = ++seq;
      v.version++;
    }
  }

  /** Feeds a runtime event: marks what it touched, remembers deaths and removals. Never blocks. */
  void onEvent(RuntimeEvent e) {
    if (e.type() == RuntimeEvent.Type.NODE_AVAILABLE || e.type() == RuntimeEvent.Type.NODE_UNAVAILABLE) {
      lose(e.node());
      return;
    }
    String service = e.labels().get(OwnerLabels.SERVICE);
    if (!instanceId.equals(e.labels().get(OwnerLabels.INSTANCE)) || service == null) {
      return;
    }
    synchronized (lock) {
      Instant now = clock.instant();
      deaths.record(e, now);
      Entry entry = view(e.node()).services.get(service);
      if (!cached || !own.absorb(e, service,
          () -> entry != null && entry.containers.stream().anyMatch(c -> c.id().equals(e.containerId())), now)) {
        touch(e.node(), service);
      }
    }
  }

  /** The orchestrator begins to create and start a container of the service on the node. */
  void ownStartBegins(String node, String service) {
    synchronized (lock) {
      own.begin(node, service);
    }
  }

  /**
   * That create+start ended: writes the inspected container through into the entry, or marks the
   * entry when it failed ({@code started == null}) or when it saw events no own start explains.
   */
  void ownStartEnded(String node, String service, ContainerInfo started) {
    synchronized (lock) {
      NodeView v = view(node);
      boolean mark = own.end(node, service, started == null ? null : started.id(), clock.instant());
      if (started != null && cached) {
        boolean listed = v.services.containsKey(service);
        Entry e = entry(v, service);
        if (!listed) {
          e.listedSeq = v.listedSeq; // the node's last listing found none of the service
        }
        List<ContainerInfo> next = new ArrayList<>(e.containers.size() + 1);
        e.containers.stream().filter(c -> !c.id().equals(started.id())).forEach(next::add);
        next.add(started);
        e.containers = List.copyOf(next);
        e.observed = null;
        e.writtenSeq = ++seq;
        v.version++;
      }
      if (mark) {
        touch(node, service);
      }
    }
  }

  /** Whether the node's view may be read without listing it (listed since it was lost, and recently). */
  boolean fresh(String node) {
    synchronized (lock) {
      return fresh(view(node), clock.instant());
    }
  }

  private boolean fresh(NodeView v, Instant now) {
    return v.listedSeq >= v.lostSeq && !now.isAfter(v.listedAt.plus(maxStaleness));
  }

  /** Caller holds the lock. */
  private NodeView view(String node) {
    return views.computeIfAbsent(node, NodeView::new);
  }

  /** Caller holds the lock. */
  private Entry entry(NodeView v, String service) {
    Entry e = v.services.get(service);
    if (e == null) {
      e = new Entry();
      v.services.put(service, e);
      nodesByService.computeIfAbsent(service, k -> new HashSet<>()).add(v);
    }
    return e;
  }

  /** Caller holds the lock. The nodes whose views are not fresh; re-scans them only once one may have gone stale. */
  private Set<String> notFresh(Instant now) {
    if (now.isAfter(freshUntil)) {
      Instant until = Instant.MAX;
      for (NodeView v : views.values()) {
        if (!fresh(v, now)) {
          notFresh.add(v.name);
        } else if (v.listedAt.plus(maxStaleness).isBefore(until)) {
          until = v.listedAt.plus(maxStaleness);
        }
      }
      freshUntil = until;
    }
    return notFresh;
  }

  /** A version of the node's view: unchanged, {@link #peekAll} returns the same. */
  long version(String node) {
    synchronized (lock) {
      return view(node).version;
    }
  }

  /**
   * Caller holds the lock. Applies a listing that began at {@code start}, unless a newer one was
   * applied; returns whether the entry's containers changed.
   */
  private boolean apply(NodeView v, String service, List<ContainerInfo> listed, long start) {
    if (listed.isEmpty() && !v.services.containsKey(service)) {
      return false;
    }
    Entry e = entry(v, service);
    if (start < e.listedSeq) {
      return false;
    }
    if (start < e.writtenSeq) { // may lack a container written through since it began: list again
      e.dirtySeq = ++seq;
      v.version++;
      return true;
    }
    boolean changed = !e.containers.equals(listed);
    if (changed) {
      v.version++;
      e.containers = List.copyOf(listed);
      e.observed = null;
    }
    e.listedSeq = start;
    if (listed.isEmpty() && !e.dirty()) {
      v.services.remove(service);
      Set<NodeView> where = nodesByService.get(service);
      where.remove(v);
      if (where.isEmpty()) {
        nodesByService.remove(service);
      }
    }
    return changed;
  }

  /** Caller holds the lock. {@link #visible} with the node; built once per listing while no remembered death applies. */
  private List<Cluster.Observed> observed(NodeView v, Entry e) {
    List<ContainerInfo> visible = visible(e);
    if (visible == e.containers && e.observed != null) {
      return e.observed;
    }
    List<Cluster.Observed> out = new ArrayList<>(visible.size());
    visible.forEach(c -> out.add(new Cluster.Observed(v.node, c)));
    if (visible == e.containers) {
      e.observed = List.copyOf(out);
    }
    return out;
  }

  /** Caller holds the lock. The entry's containers with remembered deaths and removals applied. */
  private List<ContainerInfo> visible(Entry e) {
    return e == null ? List.of() : deaths.apply(e.containers);
  }
}
