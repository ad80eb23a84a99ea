package dev.orchestrator.network;

import java.util.Map;
import java.util.Set;

/**
 * A network as the provider sees it.
 *
 * @param name its name
 * @param id provider-assigned id
 * @param driver the driver
 * @param internal whether it has no egress
 * @param subnet its subnet, empty if unknown
 * @param labels its labels
 * @param containers ids of attached containers
 */
public record NetworkInfo(String name, String id, String driver, boolean internal, String subnet, Map<String, String> labels, Set<String> containers) {
  public NetworkInfo {
    labels = Map.copyOf(labels);
    containers = Set.copyOf(containers);
  }
}
