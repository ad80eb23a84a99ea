package dev.orchestrator.storage.docker;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A second Docker Engine in its own network namespace, reached over TCP like a remote host
 * ({@code scripts/second-engine.sh}); {@link #close()} removes the daemon, the namespace and its
 * data, also from a shutdown hook if the test JVM dies first.
 */
final class SecondEngine implements AutoCloseable {
  private final String name = "os" + StorageTestSupport.randomId().substring(0, 6);
  private final Thread cleanup = new Thread(() -> script("kill", name), "second-engine-cleanup");
  private final String host;

  SecondEngine() {
    Runtime.getRuntime().addShutdownHook(cleanup);
    try {
      List<String> out = script("start", name).lines().toList();
      host = out.get(out.size() - 1).strip();
    } catch (RuntimeException | AssertionError e) {
      close();
      throw e;
    }
  }

  /** The engine's address, {@code tcp://10.250.X.2:2375}. */
  String host() {
    return host;
  }

  /** Copies an image from the main engine. */
  void load(String image) {
    script("load", name, image);
  }

  /** Runs the docker CLI against this engine. */
  String docker(String... args) {
    List<String> command = new ArrayList<>(List.of("-H", "unix:///tmp/" + name + "/docker.sock"));
    command.addAll(List.of(args));
    return StorageTestSupport.docker(command.toArray(String[]::new));
  }

  @Override
  public void close() {
    script("kill", name);
    try {
      Runtime.getRuntime().removeShutdownHook(cleanup);
    } catch (IllegalStateException e) {
      // the JVM is already shutting down: the hook runs anyway
    }
  }

  private static String script(String... args) {
    List<String> command = new ArrayList<>(List.of(scriptPath().toString()));
    command.addAll(List.of(args));
    try {
      Path stdout = Files.createTempFile("second-engine", ".out");
      try {
        Process p = new ProcessBuilder(command).redirectOutput(stdout.toFile()).redirectError(ProcessBuilder.Redirect.INHERIT).start();
        if (!p.waitFor(90, TimeUnit.SECONDS)) {
          p.destroyForcibly();
          throw new AssertionError(command + " did not finish within 90 s");
        }
        if (p.exitValue() != 0) {
          throw new AssertionError(command + " failed with exit code " + p.exitValue());
        }
        return Files.readString(stdout, StandardCharsets.UTF_8);
      } finally {
        Files.deleteIfExists(stdout);
      }
    } catch (IOException e) {
      throw new AssertionError("cannot run " + command, e);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new AssertionError(e);
    }
  }

  private static Path scriptPath() {
    for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
      Path script = dir.resolve("scripts/second-engine.sh");
      if (Files.isExecutable(script)) {
        return script;
      }
    }
    throw new AssertionError("scripts/second-engine.sh not found above " + Path.of("").toAbsolutePath());
  }
}
