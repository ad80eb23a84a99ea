package dev.orchestrator.internal;

import dev.orchestrator.runtime.ContainerInfo;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What {@link ObservedState} knows of one node: when it was last listed and lost, and an {@link Entry} per service
 * with containers there. Mutable; guarded by the ObservedState lock.
 */
final class NodeView {
  final String name;
  /** The node and its position in the cluster's node order, once attached. */
  Node node;
  int position;
  long listedSeq = -1;
  long lostSeq;
  Instant listedAt = Instant.MIN;
  final Map<String, Entry> services = new HashMap<>();
  /** Bumped whenever what {@link ObservedState#peekAll} returns for the node may have changed. */
  long version;

  NodeView(String name) {
    this.name = name;
  }

  /** One service's containers on the node, as last listed or written through, and the sequence numbers that date them. */
  static final class Entry {
    List<ContainerInfo> containers = List.of();
    /** {@link #containers} with their node, built once per listing for the passes that read it. */
    List<Cluster.Observed> observed;
    long listedSeq = -1;
    long dirtySeq;
    /** When an own start last wrote a container through: an older listing may lack it. */
    long writtenSeq = -1;

    boolean dirty() {
      return dirtySeq > listedSeq;
    }
  }
}
