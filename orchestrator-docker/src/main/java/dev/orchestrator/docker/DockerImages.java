package dev.orchestrator.docker;

import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.BuildResponseItem;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;

/**
 * Builds images on the runtime's engine from in-memory build contexts, for engines without a
 * registry (tests, air-gapped hosts). Obtain one from {@link DockerRuntime#images()}.
 */
public final class DockerImages {
  private static final Path HOST_BUSYBOX = Path.of("/bin/busybox");

  private final Engine engine;
  private final Duration buildTimeout;

  DockerImages(Engine engine, Duration buildTimeout) {
    this.engine = engine;
    this.buildTimeout = buildTimeout;
  }

  /**
   * Builds {@code tag} from a context of files (relative path to content) that includes a
   * {@code Dockerfile}, setting {@code labels} on the image. Returns the image id.
   */
  public String build(String tag, Map<String, byte[]> context, Map<String, String> labels) {
    if (!context.containsKey("Dockerfile")) {
      throw new IllegalArgumentException("the build context of " + tag + " has no Dockerfile");
    }
    byte[] tar = Tar.of(context);
    return engine.call("build of image " + tag, tag, () -> {
      BuildCallback callback = engine.client().buildImageCmd()
          .withTarInputStream(new ByteArrayInputStream(tar))
          .withTags(Set.of(tag))
          .withLabels(labels)
          .withPull(false)
          .withRemove(true)
          .withForcerm(true)
          .exec(new BuildCallback());
      engine.await(callback, buildTimeout, "build of image " + tag, tag);
      if (callback.error != null || callback.imageId == null) {
        throw new IllegalStateException("build of image " + tag + " failed: "
            + (callback.error != null ? callback.error : "no image id; output:\n" + callback.output));
      }
      return callback.imageId;
    });
  }

  /**
   * Builds {@code tag} from a directory holding a {@code Dockerfile} and the files it copies
   * (every regular file below the directory is sent as the context).
   */
  public String build(String tag, Path directory, Map<String, String> labels) {
    Map<String, byte[]> context = new LinkedHashMap<>();
    try (java.util.stream.Stream<Path> files = Files.walk(directory)) {
      for (Path file : (Iterable<Path>) files.filter(Files::isRegularFile).sorted()::iterator) {
        context.put(directory.relativize(file).toString().replace('\\', '/'), Files.readAllBytes(file));
      }
    } catch (IOException e) {
      throw new java.io.UncheckedIOException("cannot read the build context " + directory, e);
    }
    return build(tag, context, labels);
  }

  /**
   * Writes the image as a {@code docker save} tar archive, for hosts without a registry: load it
   * on another engine with {@link #load(Path)}.
   */
  public void save(String image, Path archive) {
    engine.run("save of image " + image, image, () -> {
      try (java.io.InputStream in = engine.client().saveImageCmd(image).exec()) {
        Files.copy(in, archive, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
      } catch (IOException e) {
        throw new java.io.UncheckedIOException("cannot save image " + image + " to " + archive, e);
      }
    });
  }

  /** Loads images from a {@code docker save} tar archive. */
  public void load(Path archive) {
    engine.run("load of " + archive, archive.toString(), () -> {
      try (java.io.InputStream in = Files.newInputStream(archive)) {
        engine.client().loadImageCmd(in).exec();
      } catch (IOException e) {
        throw new java.io.UncheckedIOException("cannot load images from " + archive, e);
      }
    });
  }

  /** Whether the engine has an image of this name (or id). */
  public boolean exists(String image) {
    return engine.imageExists(image);
  }

  /** Removes an image (forcing, in case stopped containers still use it); unknown images are ignored. */
  public void remove(String image) {
    engine.run("removal of image " + image, image, () -> {
      try {
        engine.client().removeImageCmd(image).withForce(true).exec();
      } catch (NotFoundException e) {
        // already gone
      }
    });
  }

  /**
   * Ensures a BusyBox image {@code tag} exists: {@code FROM scratch} plus the host's static
   * {@code /bin/busybox} (Debian's busybox-static) with its applets installed as /bin links, so
   * that {@code sh}, {@code httpd}, {@code nc}, {@code sleep} work. Built only when missing.
   */
  public String busybox(String tag) {
    if (exists(tag)) {
      return tag;
    }
    if (!Files.isRegularFile(HOST_BUSYBOX)) {
      throw new IllegalStateException(HOST_BUSYBOX + " is missing: install busybox-static (apt-get install busybox-static)");
    }
    Map<String, byte[]> context = new LinkedHashMap<>();
    context.put("Dockerfile", String.join("\n",
        "FROM scratch",
        "COPY busybox /bin/busybox",
        "RUN [\"/bin/busybox\",\"--install\",\"-s\",\"/bin\"]",
        "CMD [\"sh\"]",
        "").getBytes(StandardCharsets.UTF_8));
    try {
      context.put("busybox", Files.readAllBytes(HOST_BUSYBOX));
    } catch (IOException e) {
      throw new IllegalStateException("cannot read " + HOST_BUSYBOX, e);
    }
    build(tag, context, Map.of("org.opencontainers.image.title", "busybox"));
    return tag;
  }

  /** Collects the build's output, its image id and its error message. */
  private static final class BuildCallback extends StreamCallback<BuildResponseItem> {
    private final StringBuilder output = new StringBuilder();
    private volatile String imageId;
    private volatile String error;

    @Override
    public void onNext(BuildResponseItem item) {
      if (item.getStream() != null && output.length() < 64 * 1024) {
        output.append(item.getStream());
      }
      if (item.isErrorIndicated()) {
        error = item.getErrorDetail() != null ? item.getErrorDetail().getMessage() : item.getError();
      }
      if (item.isBuildSuccessIndicated()) {
        imageId = item.getImageId();
      }
    }
  }
}
