package dev.orchestrator.examples;

import dev.orchestrator.Orchestrator;
import dev.orchestrator.process.ProcessRuntime;
import dev.orchestrator.registry.Endpoint;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Stream;

/**
 * Runs each replica as a local JVM process through a {@link ProcessRuntime} node, with its own
 * temporary state directory (so that runs never adopt each other's leftovers).
 */
public final class ProcessBackend implements ExampleBackend {
  /** Light JVM flags: the workers are tiny and should start fast. */
  static final List<String> WORKER_JVM_FLAGS =
      List.of("-Xshare:auto", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xss512k", "-Xmx32m");

  private final Path stateDir;
  private final ProcessRuntime runtime;

  private ProcessBackend(Path stateDir, ProcessRuntime runtime) {
    this.stateDir = stateDir;
    this.runtime = runtime;
  }

  /** A single node named {@code local} whose image {@value #IMAGE} runs {@link HttpWorker} with this JVM's java. */
  public static ProcessBackend create() {
    Path stateDir;
    try {
      stateDir = Files.createTempDirectory("orchestrator-quickstart-");
    } catch (IOException e) {
      throw new UncheckedIOException("cannot create a state directory", e);
    }
    ProcessRuntime runtime = ProcessRuntime.builder()
        .nodeName("local")
        .stateDirectory(stateDir)
        .image(IMAGE, workerCommand())
        .build();
    return new ProcessBackend(stateDir, runtime);
  }

  /** {@code <this JVM's java> -cp <HttpWorker's classes> <light flags> dev.orchestrator.examples.HttpWorker}. */
  static List<String> workerCommand() {
    String java = ProcessHandle.current().info().command()
        .orElse(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    List<String> argv = new ArrayList<>(List.of(java, "-cp", classpathOf(HttpWorker.class)));
    argv.addAll(WORKER_JVM_FLAGS);
    argv.add(HttpWorker.class.getName());
    return argv;
  }

  @Override
  public String description() {
    return "local processes (state in " + stateDir + ")";
  }

  @Override
  public Orchestrator.Builder configure(Orchestrator.Builder builder) {
    return builder.node(runtime);
  }

  @Override
  public void crash(Endpoint endpoint, String workerPid) {
    long pid = Long.parseLong(workerPid);
    ProcessHandle worker = ProcessHandle.of(pid)
        .orElseThrow(() -> new IllegalStateException("worker " + endpoint.id() + " (pid " + pid + ") is not running"));
    worker.destroyForcibly();
  }

  @Override
  public boolean stillRunning(String workerPid) {
    Optional<ProcessHandle> handle = ProcessHandle.of(Long.parseLong(workerPid));
    if (handle.isEmpty()) {
      return false;
    }
    try {
      handle.get().onExit().get(5, TimeUnit.SECONDS);
      return false;
    } catch (TimeoutException e) {
      return true;
    } catch (ExecutionException e) {
      return handle.get().isAlive();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return handle.get().isAlive();
    }
  }

  /** Closes the runtime (processes are the orchestrator's to remove) and deletes the state directory. */
  @Override
  public void close() {
    runtime.close();
    try (Stream<Path> paths = Files.walk(stateDir)) {
      paths.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      System.err.println("could not delete " + stateDir + ": " + e);
    }
  }

  private static String classpathOf(Class<?> type) {
    try {
      return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (URISyntaxException e) {
      throw new IllegalStateException("cannot locate the classes of " + type.getName(), e);
    }
  }
}
