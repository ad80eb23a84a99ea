package dev.orchestrator.storage;

import java.util.Map;
import java.util.Set;

/**
 * A volume as the provider sees it.
 *
 * @param name its name
 * @param driver its driver
 * @param labels its labels
 * @param mountpoint where its data lives on the node, empty if unknown
 * @param usedBy ids of containers that mount it
 */
public record VolumeInfo(String name, String driver, Map<String, String> labels, String mountpoint, Set<String> usedBy) {
  public VolumeInfo {
    labels = Map.copyOf(labels);
    usedBy = Set.copyOf(usedBy);
  }
}
