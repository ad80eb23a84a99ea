package dev.orchestrator.storage;

import dev.orchestrator.runtime.OwnerLabels;
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

  /**
   * Whether the volume belongs to the owner: it carries the owner's instance label
   * ({@link OwnerLabels#INSTANCE}) or, for owner labels without one, every owner label. Other labels
   * (such as the retention recorded at creation) do not decide ownership.
   */
  public boolean ownedBy(Map<String, String> ownerLabels) {
    String instance = ownerLabels.get(OwnerLabels.INSTANCE);
    if (instance != null) {
      return instance.equals(labels.get(OwnerLabels.INSTANCE));
    }
    return labels.entrySet().containsAll(ownerLabels.entrySet());
  }
}
