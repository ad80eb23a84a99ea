package dev.orchestrator.storage.docker;

import com.github.dockerjava.api.command.InspectVolumeResponse;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.orchestrator.NotOwnedException;
import dev.orchestrator.OrchestratorException;
import dev.orchestrator.docker.DockerRuntime;
import dev.orchestrator.runtime.OwnerLabels;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.HexFormat;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ThreadLocalRandom;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;

/**
 * Snapshots, restores and copies of an owned volume's files, through a short-lived helper
 * container of a local BusyBox image (built by {@code DockerImages.busybox}, never pulled). The
 * helper mounts the volume, has no network, carries the instance label plus {@link #HELPER_LABEL},
 * and is removed whatever happens. Archives are plain tar (entries {@code ./path}, owners and
 * modes kept): {@code tar -tvf} lists them.
 *
 * <p>Every engine call is bounded by the runtime's response timeout (each read of an archive
 * stream too); a helper's own work (clearing a volume, making a directory) by {@link #withTimeout}.
 * A snapshot of a volume that containers write to meanwhile is only crash-consistent: stop the
 * writers first for an exact copy. Thread-safe; operations on one volume should not overlap.
 */
public final class VolumeSnapshots {
  /** Label on helper containers, with the value {@code volume}. */
  public static final String HELPER_LABEL = "dev.orchestrator.helper";
  /** The helper image built when missing. */
  public static final String DEFAULT_HELPER_IMAGE = "dev.orchestrator/volume-helper:busybox";
  private static final String CLEAR = "find " + HelperContainer.MOUNT + " -mindepth 1 -maxdepth 1 -exec rm -rf {} +";

  private final DockerRuntime runtime;
  private final String instanceId;
  private final String image;
  private final Duration timeout;
  private volatile boolean imageReady;
  private volatile String node;

  /** Operations on the volumes of {@code instanceId}, with the default helper image and a 2-minute helper timeout. */
  public VolumeSnapshots(DockerRuntime runtime, String instanceId) {
    this(runtime, instanceId, DEFAULT_HELPER_IMAGE, Duration.ofMinutes(2));
  }

  private VolumeSnapshots(DockerRuntime runtime, String instanceId, String image, Duration timeout) {
    this.runtime = Objects.requireNonNull(runtime, "runtime");
    this.instanceId = Objects.requireNonNull(instanceId, "instanceId");
    this.image = image;
    this.timeout = timeout;
  }

  /** These operations with another limit on a helper's own work. */
  public VolumeSnapshots withTimeout(Duration timeout) {
    if (timeout.isNegative() || timeout.isZero()) {
      throw new IllegalArgumentException("timeout must be positive: " + timeout);
    }
    return new VolumeSnapshots(runtime, instanceId, image, timeout);
  }

  /** These operations with another local image as helper (it needs {@code sh}, {@code find}, {@code rm}, {@code mkdir}). */
  public VolumeSnapshots withHelperImage(String image) {
    return new VolumeSnapshots(runtime, instanceId, image, timeout);
  }

  /** Writes the volume's whole content to {@code archive} (a plain tar file, replaced atomically). */
  public void snapshot(String volume, Path archive) {
    owned(volume);
    Path part = archive.resolveSibling(archive.getFileName() + ".part");
    try (HelperContainer helper = helper(volume, true, "true")) {
      runtime.call("snapshot of volume " + volume, volume, c -> {
        try (InputStream in = c.copyArchiveFromContainerCmd(helper.id(), HelperContainer.MOUNT + "/.").exec()) {
          Files.copy(in, part, StandardCopyOption.REPLACE_EXISTING);
          return null;
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
      Files.move(part, archive, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    } catch (IOException e) {
      throw new OrchestratorException("snapshot of volume '" + volume + "' to " + archive + " failed: " + e.getMessage(), e);
    } finally {
      deleteQuietly(part);
    }
  }

  /**
   * Replaces the volume's content with the archive's: the volume is cleared, then the archive is
   * extracted into it. The archive is checked first: an entry with an absolute path or {@code ..}
   * is refused before anything changes.
   */
  public void restore(String volume, Path archive) {
    checkArchive(archive);
    owned(volume);
    try (HelperContainer helper = helper(volume, false, CLEAR)) {
      helper.runToCompletion(timeout, "clearing volume '" + volume + "'");
      extract(helper, archive, HelperContainer.MOUNT, "restore of volume " + volume);
    }
  }

  /** Copies a host file or directory (with its name) into {@code directory} of the volume, created if missing. */
  public void copyIn(String volume, Path source, String directory) {
    if (!Files.exists(source)) {
      throw new IllegalArgumentException("nothing to copy into volume '" + volume + "': " + source + " does not exist");
    }
    String target = inVolume(directory);
    owned(volume);
    try (HelperContainer helper = helper(volume, false, "mkdir -p '" + target + "'")) {
      helper.runToCompletion(timeout, "mkdir " + target + " in volume '" + volume + "'");
      runtime.call("copy of " + source + " into volume " + volume, volume, c -> {
        c.copyArchiveToContainerCmd(helper.id()).withHostResource(source.toString()).withRemotePath(target).exec();
        return null;
      });
    }
  }

  /**
   * Copies a file or directory of the volume into the host directory {@code targetDirectory}
   * (created if missing), with its name. Regular files and directories are written; links and
   * special files are skipped.
   */
  public void copyOut(String volume, String path, Path targetDirectory) {
    String source = inVolume(path);
    owned(volume);
    try (HelperContainer helper = helper(volume, true, "true")) {
      Files.createDirectories(targetDirectory);
      Path root = targetDirectory.toRealPath();
      boolean found = runtime.call("copy of " + path + " out of volume " + volume, volume, c -> {
        try (InputStream in = c.copyArchiveFromContainerCmd(helper.id(), source).exec();
            TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
          for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
            Path out = root.resolve(e.getName()).normalize();
            if (!out.startsWith(root)) {
              continue; // the engine never sends such an entry; never written outside the target
            }
            if (e.isDirectory()) {
              Files.createDirectories(out);
            } else if (e.isFile()) {
              Files.createDirectories(out.getParent());
              Files.copy(tar, out, StandardCopyOption.REPLACE_EXISTING);
            }
          }
          return true;
        } catch (NotFoundException e) {
          return false;
        } catch (IOException e) {
          throw new UncheckedIOException(e);
        }
      });
      if (!found) {
        throw new IllegalArgumentException("volume '" + volume + "' has no " + path);
      }
    } catch (IOException e) {
      throw new OrchestratorException("copy out of volume '" + volume + "' to " + targetDirectory + " failed: " + e.getMessage(), e);
    }
  }

  private void extract(HelperContainer helper, Path archive, String target, String what) {
    runtime.call(what, helper.id(), c -> {
      try (InputStream in = Files.newInputStream(archive)) {
        c.copyArchiveToContainerCmd(helper.id()).withTarInputStream(in).withRemotePath(target).exec();
        return null;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    });
  }

  /** Refuses archives that are not tar or whose entries would leave the volume. */
  private static void checkArchive(Path archive) {
    try (TarArchiveInputStream tar = new TarArchiveInputStream(Files.newInputStream(archive))) {
      int entries = 0;
      for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
        entries++;
        String name = e.getName();
        if (name.startsWith("/") || Path.of(name).normalize().startsWith("..")) {
          throw new IllegalArgumentException("archive " + archive + " is refused: entry '" + name + "' leaves the volume");
        }
      }
      if (entries == 0) {
        throw new IllegalArgumentException("archive " + archive + " is refused: it holds no tar entry");
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("archive " + archive + " is refused: not a readable tar archive (" + e.getMessage() + ")", e);
    }
  }

  /** The absolute path inside the helper for a path of the volume; {@code ..} may not leave it. */
  private static String inVolume(String path) {
    Path relative = Path.of(path.startsWith("/") ? path.substring(1) : path).normalize();
    if (relative.startsWith("..") || relative.toString().contains("'")) {
      throw new IllegalArgumentException("path '" + path + "' is not inside the volume");
    }
    return HelperContainer.MOUNT + (relative.toString().isEmpty() ? "" : "/" + relative);
  }

  /** Fails unless the volume exists and carries this instance's label. */
  private void owned(String volume) {
    InspectVolumeResponse v = runtime.call("inspect of volume " + volume, volume, c -> {
      try {
        return c.inspectVolumeCmd(volume).exec();
      } catch (NotFoundException e) {
        return null;
      }
    });
    if (v == null) {
      throw new OrchestratorException("no volume named '" + volume + "' on Docker Engine at " + runtime.engineHost());
    }
    Map<String, String> labels = v.getLabels() == null ? Map.of() : v.getLabels();
    if (!instanceId.equals(labels.get(OwnerLabels.INSTANCE))) {
      throw new NotOwnedException(volume, "volume '" + volume + "' is not owned by instance " + instanceId + " (label "
          + OwnerLabels.INSTANCE + "=" + instanceId + " missing; its labels: " + labels + "); it was left alone");
    }
  }

  private HelperContainer helper(String volume, boolean readOnly, String script) {
    if (!imageReady) {
      runtime.images().busybox(image);
      imageReady = true;
    }
    if (node == null) {
      node = runtime.node().name();
    }
    String name = instanceId + "-volume-helper-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    return HelperContainer.create(runtime, node, image, name,
        Map.of(OwnerLabels.INSTANCE, instanceId, HELPER_LABEL, "volume"), volume, readOnly, script);
  }

  private static void deleteQuietly(Path path) {
    try {
      Files.deleteIfExists(path);
    } catch (IOException e) {
      // a leftover .part file is harmless
    }
  }
}
