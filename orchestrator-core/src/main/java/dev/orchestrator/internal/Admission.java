package dev.orchestrator.internal;

import dev.orchestrator.runtime.ImageNotFoundException;
import dev.orchestrator.spec.ServiceSpec;
import dev.orchestrator.spec.ValidationException;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The checks of a declaration that need the cluster and the other declarations: the image must
 * be available somewhere, fixed host ports must not clash. Run before anything is stored.
 */
final class Admission {
  private static final Logger log = LoggerFactory.getLogger(Admission.class);
  private final Cluster cluster;
  private final DesiredState desired;

  Admission(Cluster cluster, DesiredState desired) {
    this.cluster = cluster;
    this.desired = desired;
  }

  /**
   * Refuses an image that every reachable node reports missing. When no node answers at all the
   * image cannot be checked, and the declaration is accepted: it converges once a node is back.
   */
  void checkImage(ServiceSpec spec) {
    List<String> reasons = new ArrayList<>();
    boolean anyAnswered = false;
    for (Node n : cluster.nodes()) {
      try {
        n.run("ensureImage", spec.image(), () -> n.runtime().ensureImage(spec.image()));
        return;
      } catch (ImageNotFoundException e) {
        anyAnswered = true;
        reasons.add(n.name() + ": " + e.getMessage());
      } catch (RuntimeException e) {
        reasons.add(n.name() + ": unreachable (" + e.getMessage() + ")");
      }
    }
    if (!anyAnswered) {
      log.warn("image {} of service {} not checked, no node answers: {}", spec.image(), spec.name(), reasons);
      return;
    }
    throw new ValidationException("service '" + spec.name() + "'",
        List.of(new ValidationException.Violation("image", spec.image(), "no node can provide it: " + String.join("; ", reasons))));
  }

  void checkHostPorts(ServiceSpec spec) {
    List<ValidationException.Violation> problems = new ArrayList<>();
    int nodes = cluster.nodes().size();
    for (int i = 0; i < spec.ports().size(); i++) {
      int hostPort = spec.ports().get(i).hostPort();
      if (hostPort == 0) {
        continue;
      }
      if (spec.replicas() > nodes) {
        problems.add(new ValidationException.Violation("ports[" + i + "].hostPort", String.valueOf(hostPort),
            "a fixed host port allows one replica per node: " + spec.replicas() + " replicas, " + nodes + " node(s)"));
      }
      for (ServiceSpec other : desired.services().values()) {
        if (!other.name().equals(spec.name()) && other.ports().stream().anyMatch(p -> p.hostPort() == hostPort)) {
          problems.add(new ValidationException.Violation("ports[" + i + "].hostPort", String.valueOf(hostPort),
              "already published by service '" + other.name() + "'"));
        }
      }
    }
    if (!problems.isEmpty()) {
      throw new ValidationException("service '" + spec.name() + "'", problems);
    }
  }
}
