package dev.orchestrator.scheduling;

import dev.orchestrator.spec.PlacementConstraint;
import dev.orchestrator.spec.Resources;
import dev.orchestrator.spec.Toleration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The built-in {@link FilterPlugin}s. Reasons carry numbers, e.g. "insufficient memory:
 * requested 512 MiB, free 256 MiB"; several failed checks of one plugin are joined with ", ".
 */
public final class Filters {
  private Filters() {}

  /** "ready": the node answers and is not cordoned. */
  public static FilterPlugin ready() {
    return new Ready();
  }

  /** "constraints": every {@link PlacementConstraint} of the request holds on the node's labels. */
  public static FilterPlugin constraints() {
    return new Constraints();
  }

  /** "taints": the request tolerates every taint of the node (labels {@code taint.<key>}, see {@link Toleration}). */
  public static FilterPlugin taints() {
    return new Taints();
  }

  /**
   * "resources": the requested CPU and memory are free (a zero request always fits), and the node
   * runs fewer than {@code maxPerNode} replicas of the service when a limit is set.
   */
  public static FilterPlugin resources() {
    return new ResourceFit();
  }

  /** "anti-affinity": the node runs no replica of the request's {@code avoidServices}. */
  public static FilterPlugin antiAffinity() {
    return new AntiAffinity();
  }

  /** Whether the filter is one of these (none of which reads the request's service name unless it changes with placements). */
  static boolean isBuiltIn(FilterPlugin filter) {
    return filter instanceof Ready || filter instanceof Constraints || filter instanceof Taints
        || filter instanceof ResourceFit || filter instanceof AntiAffinity;
  }

  /** A filter whose reasons are collected into a list; empty means the node fits. */
  private abstract static class Checks implements FilterPlugin {
    abstract void collect(PlacementRequest request, NodeSnapshot node, List<String> reasons);

    @Override
    public Status filter(PlacementRequest request, NodeSnapshot node) {
      List<String> reasons = new ArrayList<>();
      collect(request, node, reasons);
      return reasons.isEmpty() ? Status.fits() : Status.doesNotFit(String.join(", ", reasons));
    }

    @Override
    public String toString() {
      return name();
    }
  }

  static final class Ready extends Checks {
    @Override
    public String name() {
      return "ready";
    }

    @Override
    public Status.Code check(PlacementRequest request, NodeSnapshot node) {
      return node.ready() && !node.cordoned() ? Status.Code.FITS : Status.Code.DOES_NOT_FIT;
    }

    @Override
    void collect(PlacementRequest request, NodeSnapshot node, List<String> reasons) {
      if (!node.ready()) {
        reasons.add("node is not ready");
      }
      if (node.cordoned()) {
        reasons.add("node is cordoned");
      }
    }

    @Override
    public boolean changesWithPlacements(PlacementRequest request) {
      return false;
    }
  }

  static final class Constraints extends Checks {
    @Override
    public String name() {
      return "constraints";
    }

    @Override
    public Status.Code check(PlacementRequest request, NodeSnapshot node) {
      for (PlacementConstraint c : request.constraints()) {
        if (!c.matches(node.info().labels())) {
          return Status.Code.DOES_NOT_FIT;
        }
      }
      return Status.Code.FITS;
    }

    @Override
    void collect(PlacementRequest request, NodeSnapshot node, List<String> reasons) {
      Map<String, String> labels = node.info().labels();
      for (PlacementConstraint c : request.constraints()) {
        if (!c.matches(labels)) {
          String actual = labels.get(c.key());
          reasons.add("constraint " + c + " not met (" + (actual == null ? c.key() + " not set" : c.key() + "=" + actual) + ")");
        }
      }
    }

    @Override
    public boolean changesWithPlacements(PlacementRequest request) {
      return false;
    }
  }

  static final class Taints implements FilterPlugin {
    @Override
    public String name() {
      return "taints";
    }

    @Override
    public String toString() {
      return name();
    }

    @Override
    public Status.Code check(PlacementRequest request, NodeSnapshot node) {
      for (Map.Entry<String, String> label : node.info().labels().entrySet()) {
        String key = label.getKey();
        if (key.startsWith(Toleration.TAINT_PREFIX)) {
          if (key.length() == Toleration.TAINT_PREFIX.length()) {
            return Status.Code.ERROR;
          }
          if (!tolerated(request, key.substring(Toleration.TAINT_PREFIX.length()), label.getValue())) {
            return Status.Code.DOES_NOT_FIT;
          }
        }
      }
      return Status.Code.FITS;
    }

    private static boolean tolerated(PlacementRequest request, String key, String value) {
      for (Toleration t : request.tolerations()) {
        if (t.tolerates(key, value)) {
          return true;
        }
      }
      return false;
    }

    @Override
    public Status filter(PlacementRequest request, NodeSnapshot node) {
      List<String> untolerated = new ArrayList<>();
      for (Map.Entry<String, String> taint : taints(node.info().labels()).entrySet()) {
        if (taint.getKey().isEmpty()) {
          return Status.error("malformed taint label '" + Toleration.TAINT_PREFIX + "': no key");
        }
        if (!tolerated(request, taint.getKey(), taint.getValue())) {
          untolerated.add(taint.getValue().isEmpty() ? taint.getKey() : taint.getKey() + "=" + taint.getValue());
        }
      }
      return untolerated.isEmpty() ? Status.fits() : Status.doesNotFit("untolerated taint " + String.join(", ", untolerated));
    }

    @Override
    public boolean changesWithPlacements(PlacementRequest request) {
      return false;
    }
  }

  static final class ResourceFit extends Checks {
    @Override
    public String name() {
      return "resources";
    }

    @Override
    public Status.Code check(PlacementRequest request, NodeSnapshot node) {
      return fits(request.resources().cpuMillis(), node.cpuFreeMillis())
          && fits(request.resources().memoryBytes(), node.memoryFreeBytes())
          && underLimit(request, node) ? Status.Code.FITS : Status.Code.DOES_NOT_FIT;
    }

    @Override
    void collect(PlacementRequest request, NodeSnapshot node, List<String> reasons) {
      Resources wanted = request.resources();
      if (!fits(wanted.cpuMillis(), node.cpuFreeMillis())) {
        reasons.add("insufficient cpu: requested " + wanted.cpuMillis() + "m, free " + node.cpuFreeMillis() + "m");
      }
      if (!fits(wanted.memoryBytes(), node.memoryFreeBytes())) {
        reasons.add("insufficient memory: requested " + Resources.formatBytes(wanted.memoryBytes())
            + ", free " + Resources.formatBytes(node.memoryFreeBytes()));
      }
      if (!underLimit(request, node)) {
        reasons.add("max " + request.maxPerNode() + " replicas of " + request.service() + " per node: "
            + node.replicasOf(request.service()) + " here");
      }
    }

    /** Resource amounts are kept by the batch index itself; only the per-node limit changes here. */
    @Override
    public boolean changesWithPlacements(PlacementRequest request) {
      return request.maxPerNode() > 0;
    }

    private static boolean underLimit(PlacementRequest request, NodeSnapshot node) {
      return request.maxPerNode() == 0 || node.replicasOf(request.service()) < request.maxPerNode();
    }

    /** A zero request fits anywhere, even on an over-committed node. */
    static boolean fits(long requested, long free) {
      return requested == 0 || requested <= free;
    }
  }

  static final class AntiAffinity extends Checks {
    @Override
    public String name() {
      return "anti-affinity";
    }

    @Override
    public Status.Code check(PlacementRequest request, NodeSnapshot node) {
      for (String service : request.avoidServices()) {
        if (node.replicasOf(service) > 0) {
          return Status.Code.DOES_NOT_FIT;
        }
      }
      return Status.Code.FITS;
    }

    @Override
    void collect(PlacementRequest request, NodeSnapshot node, List<String> reasons) {
      for (String service : new TreeSet<>(request.avoidServices())) {
        int count = node.replicasOf(service);
        if (count > 0) {
          reasons.add("anti-affinity: runs " + count + (count == 1 ? " replica of " : " replicas of ") + service);
        }
      }
    }

    @Override
    public boolean changesWithPlacements(PlacementRequest request) {
      return !request.avoidServices().isEmpty();
    }
  }

  /** The taints among node labels, without the prefix. */
  private static Map<String, String> taints(Map<String, String> labels) {
    Map<String, String> taints = new TreeMap<>();
    labels.forEach((k, v) -> {
      if (k.startsWith(Toleration.TAINT_PREFIX)) {
        taints.put(k.substring(Toleration.TAINT_PREFIX.length()), v);
      }
    });
    return taints;
  }
}
