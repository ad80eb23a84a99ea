package dev.orchestrator.storage;

import dev.orchestrator.spec.VolumeSpec;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Provisions volumes that outlive containers. Thread-safe. Every volume it creates carries the
 * given ownership labels; it never removes a volume without them.
 */
public interface VolumeProvider {

  /**
   * Creates the volume if absent (with these labels) and returns it; idempotent.
   *
   * @throws dev.orchestrator.NotOwnedException when a volume of that name exists without the
   *     owner's labels (see {@link VolumeInfo#ownedBy}); it is left alone
   */
  VolumeInfo ensure(VolumeSpec spec, Map<String, String> ownerLabels);

  /** Removes an owned volume; a volume not carrying {@code ownerLabels} is left alone and reported. */
  void remove(String name, Map<String, String> ownerLabels);

  Optional<VolumeInfo> inspect(String name);

  /** Volumes carrying all the given labels. */
  List<VolumeInfo> list(Map<String, String> labelSelector);

  /** Records that a container mounts the volume (the in-use set guards removal). */
  void attach(String volume, String containerId);

  /** Forgets a container's use of the volume; a no-op if unknown. */
  void detach(String volume, String containerId);
}
