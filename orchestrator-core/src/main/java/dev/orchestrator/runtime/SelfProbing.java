package dev.orchestrator.runtime;

import dev.orchestrator.spec.HealthCheck;

/**
 * Optional capability of a runtime that answers health checks itself instead of being probed
 * over the network (the simulator: its containers have no sockets). The prober uses it when
 * the runtime implements it.
 */
public interface SelfProbing {
  /** Why a check is run: liveness failures replace a replica, readiness failures unpublish it. */
  enum Purpose {
    LIVENESS,
    READINESS
  }

  /** Runs one probe of the check against the container; true when it passes. */
  boolean probe(String containerId, HealthCheck check, Purpose purpose);
}
