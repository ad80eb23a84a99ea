package dev.orchestrator.examples;

import java.io.PrintStream;
import java.util.List;

/** Picks where the examples run: Docker when an engine answers, local processes otherwise. */
final class ExampleBackends {
  private ExampleBackends() {}

  /** {@code --docker} requires Docker, {@code --process} forces local processes; otherwise Docker if it answers. */
  static ExampleBackend choose(String[] args, PrintStream out) {
    List<String> flags = List.of(args);
    if (flags.contains("--process")) {
      return ProcessBackend.create();
    }
    var docker = DockerBackend.connect();
    if (docker.isPresent()) {
      return docker.get();
    }
    if (flags.contains("--docker")) {
      throw new IllegalStateException("--docker: no Docker Engine answers (DOCKER_HOST or /var/run/docker.sock), or /bin/busybox is missing");
    }
    out.println("No Docker Engine answers: running the replicas as local processes.");
    return ProcessBackend.create();
  }
}
