package dev.orchestrator.spec;

import java.util.Objects;

/**
 * A filesystem mounted into a replica.
 *
 * @param type a named volume, a host path (bind) or a memory-backed tmpfs
 * @param source the volume name (VOLUME), the host path (BIND), ignored for TMPFS
 * @param target the absolute path inside the container
 * @param readOnly whether writes are refused
 * @param perReplica for VOLUME: one volume per slot, named {@code <source>-<service>-<slot>}
 * @param sizeBytes for TMPFS: its size limit in bytes, 0 for the engine's default (half the memory)
 */
public record MountSpec(Type type, String source, String target, boolean readOnly, boolean perReplica, long sizeBytes) {
  /** Kind of mount. */
  public enum Type {
    VOLUME,
    BIND,
    TMPFS
  }

  public MountSpec {
    Objects.requireNonNull(type, "type");
    source = source == null ? "" : source;
    target = target == null ? "" : target;
  }

  /** A mount without a tmpfs size. */
  public MountSpec(Type type, String source, String target, boolean readOnly, boolean perReplica) {
    this(type, source, target, readOnly, perReplica, 0);
  }

  public static MountSpec volume(String volumeName, String target) {
    return new MountSpec(Type.VOLUME, volumeName, target, false, false);
  }

  public static MountSpec bind(String hostPath, String target) {
    return new MountSpec(Type.BIND, hostPath, target, false, false);
  }

  public static MountSpec tmpfs(String target) {
    return new MountSpec(Type.TMPFS, "", target, false, false);
  }

  /** A memory-backed mount limited to {@code sizeBytes}. */
  public static MountSpec tmpfs(String target, long sizeBytes) {
    return new MountSpec(Type.TMPFS, "", target, false, false, sizeBytes);
  }

  public MountSpec asReadOnly() {
    return new MountSpec(type, source, target, true, perReplica, sizeBytes);
  }

  /** One volume per replica slot, kept across replacements of that slot. */
  public MountSpec asPerReplica() {
    return new MountSpec(type, source, target, readOnly, true, sizeBytes);
  }

  /** The name of the volume a given slot of a service mounts. */
  public String volumeNameFor(String service, int slot) {
    return perReplica ? source + "-" + service + "-" + slot : source;
  }
}
