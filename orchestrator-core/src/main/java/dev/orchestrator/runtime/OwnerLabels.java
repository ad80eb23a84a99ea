package dev.orchestrator.runtime;

import java.util.Map;

/**
 * The labels that mark what an orchestrator owns. Every container, network and volume it creates
 * carries {@link #INSTANCE}; containers also carry service, slot, spec hash, generation and
 * restart count, so that a restarted orchestrator re-adopts them.
 */
public final class OwnerLabels {
  public static final String INSTANCE = "dev.orchestrator.instance";
  public static final String SERVICE = "dev.orchestrator.service";
  public static final String SLOT = "dev.orchestrator.slot";
  public static final String SPEC_HASH = "dev.orchestrator.spec-hash";
  public static final String GENERATION = "dev.orchestrator.generation";
  public static final String RESTARTS = "dev.orchestrator.restarts";
  /** On volumes: "retain" or "delete", the retention they were created with. */
  public static final String RETENTION = "dev.orchestrator.retention";

  private OwnerLabels() {}

  /** Selector for everything an instance owns. */
  public static Map<String, String> ofInstance(String instanceId) {
    return Map.of(INSTANCE, instanceId);
  }

  /** Selector for one service's containers. */
  public static Map<String, String> ofService(String instanceId, String service) {
    return Map.of(INSTANCE, instanceId, SERVICE, service);
  }
}
