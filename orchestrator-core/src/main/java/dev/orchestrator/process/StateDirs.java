package dev.orchestrator.process;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** File chores on container directories. */
final class StateDirs {
  static final Logger log = LoggerFactory.getLogger(ProcessRuntime.class);

  private StateDirs() {}

  /** Deletes a directory tree; a missing one is fine. */
  static void delete(Path dir) throws IOException {
    if (!Files.exists(dir)) {
      return;
    }
    List<Path> paths;
    try (Stream<Path> walk = Files.walk(dir)) {
      paths = walk.sorted(Comparator.reverseOrder()).toList();
    }
    for (Path p : paths) {
      Files.deleteIfExists(p);
    }
  }

  static void deleteQuietly(Path dir) {
    try {
      delete(dir);
    } catch (IOException e) {
      log.warn("cannot delete {}", dir, e);
    }
  }

  /** Appends a line (the runtime's own note, e.g. why a start failed) to a container's log. */
  static void appendQuietly(Path logFile, String line) {
    try {
      Files.writeString(logFile, line + System.lineSeparator(), StandardCharsets.UTF_8, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
    } catch (IOException e) {
      log.warn("cannot write to {}", logFile, e);
    }
  }
}
