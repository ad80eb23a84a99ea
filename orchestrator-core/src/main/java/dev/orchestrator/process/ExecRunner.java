package dev.orchestrator.process;

import dev.orchestrator.runtime.ContainerRuntimeException;
import dev.orchestrator.runtime.ExecResult;
import dev.orchestrator.runtime.RuntimeTimeoutException;
import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Runs an exec command as a separate process with a container's environment and working
 * directory. Output goes to scratch files in the container's directory (no reader threads);
 * they are deleted afterwards. Background processes the command leaves behind after it exits
 * are not tracked.
 */
final class ExecRunner {
  private static final Duration KILL_WAIT = Duration.ofSeconds(5);

  private ExecRunner() {}

  /**
   * Runs {@code command} and returns its outcome; on timeout kills its process tree and throws
   * {@link RuntimeTimeoutException}.
   */
  static ExecResult run(String node, ProcessContainer container, List<String> command, Duration timeout) {
    ContainerDefinition def = container.definition();
    Path out = null;
    Path err = null;
    Process process = null;
    try {
      out = Files.createTempFile(container.dir(), "exec-", ".out");
      err = Files.createTempFile(container.dir(), "exec-", ".err");
      ProcessBuilder builder = new ProcessBuilder(command)
          .directory(def.workingDir().toFile())
          .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null")))
          .redirectOutput(out.toFile())
          .redirectError(err.toFile());
      builder.environment().putAll(def.env());
      process = builder.start();
      if (!process.waitFor(timeout.toNanos(), TimeUnit.NANOSECONDS)) {
        ProcessTree.kill(process.toHandle(), KILL_WAIT);
        throw new RuntimeTimeoutException(node, def.id(), "exec " + command + " in " + def.name() + " did not finish within " + timeout + "; it was killed");
      }
      return new ExecResult(process.exitValue(), Files.readString(out, StandardCharsets.UTF_8), Files.readString(err, StandardCharsets.UTF_8));
    } catch (IOException e) {
      throw new ContainerRuntimeException(node, def.id(), "exec " + command + " in " + def.name() + " failed: " + e.getMessage(), e);
    } catch (InterruptedException e) {
      ProcessTree.kill(process.toHandle(), KILL_WAIT);
      Thread.currentThread().interrupt();
      throw new ContainerRuntimeException(node, def.id(), "interrupted while running exec " + command + " in " + def.name(), e);
    } finally {
      deleteQuietly(out);
      deleteQuietly(err);
    }
  }

  private static void deleteQuietly(Path file) {
    if (file != null) {
      try {
        Files.deleteIfExists(file);
      } catch (IOException e) {
        // scratch output; the container's directory goes when it is removed
      }
    }
  }
}
