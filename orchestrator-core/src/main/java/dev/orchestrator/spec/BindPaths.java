package dev.orchestrator.spec;

import java.io.IOException;
import java.nio.file.Path;
import java.util.Set;

/** The safety rules of bind-mount host paths: how a path is resolved, and which are refused. */
final class BindPaths {
  private static final Set<String> DOCKER_SOCKETS = Set.of("/var/run/docker.sock", "/run/docker.sock");
  private static final Set<String> SYSTEM_DIRS = Set.of("/etc", "/proc", "/sys");

  private BindPaths() {}

  /** Why a resolved host path is refused under these options, or null when it may be mounted. */
  static String refusal(String resolved, SpecValidator.Options options) {
    if (resolved.equals("/")) {
      return options.allowRootMount() ? null : "the host's root directory is refused unless the builder allows root mounts";
    }
    if (!options.allowDockerSocket() && containing(resolved, DOCKER_SOCKETS) != null) {
      return (DOCKER_SOCKETS.contains(resolved) ? "the Docker socket" : "it contains the Docker socket "
          + containing(resolved, DOCKER_SOCKETS)) + ", refused unless the builder allows the Docker socket";
    }
    if (options.allowRootMount()) {
      return null;
    }
    String system = under(resolved, SYSTEM_DIRS);
    if (system != null) {
      return "it is within the host system directory " + system + ", refused unless the builder allows root mounts";
    }
    String engine = under(resolved, options.engineDataDirs());
    if (engine != null) {
      return "it is within the engine's data directory " + engine + ", refused unless the builder allows root mounts";
    }
    String engineInside = containing(resolved, options.engineDataDirs());
    if (engineInside != null) {
      return "it contains the engine's data directory " + engineInside + ", refused unless the builder allows root mounts";
    }
    return null;
  }

  /** The first of {@code dirs} that is {@code path} or one of its ancestors, or null. */
  private static String under(String path, Set<String> dirs) {
    for (String dir : dirs) {
      String d = dir.endsWith("/") && dir.length() > 1 ? dir.substring(0, dir.length() - 1) : dir;
      if (path.equals(d) || path.startsWith(d + "/")) {
        return d;
      }
    }
    return null;
  }

  /** The first of {@code paths} that is {@code dir} or lies under it, or null. */
  private static String containing(String dir, Set<String> paths) {
    for (String path : paths) {
      if (under(path, Set.of(dir)) != null) {
        return path;
      }
    }
    return null;
  }

  /**
   * The host path a bind mount really reaches: each existing prefix is resolved with its symlinks
   * (so {@code ..} after a symlink climbs from the link's target), the rest is normalized.
   */
  static String resolve(String hostPath) {
    Path current = Path.of("/");
    boolean exists = true;
    for (Path name : Path.of(hostPath)) {
      String part = name.toString();
      if (part.equals(".")) {
        continue;
      }
      if (part.equals("..")) {
        current = current.getParent() == null ? current : current.getParent();
        continue;
      }
      Path candidate = current.resolve(part);
      if (exists) {
        try {
          current = candidate.toRealPath();
          continue;
        } catch (IOException | SecurityException e) {
          exists = false; // the rest does not exist yet: normalized as written
        }
      }
      current = candidate;
    }
    return current.toString();
  }
}
