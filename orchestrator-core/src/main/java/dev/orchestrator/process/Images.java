package dev.orchestrator.process;

import dev.orchestrator.runtime.ImageNotFoundException;
import java.nio.file.Files;
import java.nio.file.InvalidPathException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/** Resolves an image name to the argv prefix it stands for. */
final class Images {
  private Images() {}

  /**
   * The registered entrypoint of {@code image}, or {@code [image]} when it is an absolute path to
   * an executable file; otherwise throws {@link ImageNotFoundException} listing the known images.
   */
  static List<String> entrypoint(Map<String, List<String>> images, String image, String node) {
    List<String> registered = images.get(image);
    if (registered != null) {
      return registered;
    }
    if (executable(image)) {
      return List.of(image);
    }
    throw new ImageNotFoundException(node, image,
        "image '" + image + "' is not registered on process node " + node
            + " and is not an absolute path to an executable; registered images: " + new TreeSet<>(images.keySet()));
  }

  private static boolean executable(String image) {
    try {
      Path path = Path.of(image);
      return path.isAbsolute() && Files.isRegularFile(path) && Files.isExecutable(path);
    } catch (InvalidPathException e) {
      return false;
    }
  }
}
