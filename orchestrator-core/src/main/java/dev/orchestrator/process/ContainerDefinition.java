package dev.orchestrator.process;

import dev.orchestrator.runtime.ContainerRequest;
import dev.orchestrator.spec.PortSpec;
import dev.orchestrator.spec.ServiceSpec;
import java.nio.file.Path;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * What a process "container" is, fixed at create time and persisted in its state file.
 *
 * @param id runtime-assigned id
 * @param name the unique name it was created with
 * @param image the image name it was created from
 * @param argv the program and its arguments (image entrypoint followed by the spec's command)
 * @param env the variables added to the inherited environment, PORT variables included
 * @param labels its labels
 * @param workingDir the directory the process runs in
 * @param ports the spec's ports, each with its host port resolved (never 0)
 * @param createdAt when it was created
 */
record ContainerDefinition(
    String id,
    String name,
    String image,
    List<String> argv,
    Map<String, String> env,
    Map<String, String> labels,
    Path workingDir,
    List<PortSpec> ports,
    Instant createdAt) {

  /**
   * The definition of a new container: argv is the image's entrypoint plus the spec's command,
   * env the spec's env plus the PORT variables and {@code ORCHESTRATOR_CONTAINER_NAME}, and the
   * working directory the spec's or else {@code defaultWorkDir}.
   */
  static ContainerDefinition of(
      String id, ContainerRequest request, List<String> entrypoint, List<PortSpec> ports, Path defaultWorkDir, Instant now) {
    ServiceSpec spec = request.spec();
    List<String> argv = new ArrayList<>(entrypoint);
    argv.addAll(spec.command());
    Map<String, String> env = new TreeMap<>(spec.env());
    env.putAll(Ports.env(ports));
    env.put("ORCHESTRATOR_CONTAINER_NAME", request.name());
    Path workDir = spec.workingDir().isEmpty() ? defaultWorkDir : Path.of(spec.workingDir());
    return new ContainerDefinition(id, request.name(), spec.image(), argv, env, request.labels(), workDir, ports, now);
  }

  ContainerDefinition {
    argv = List.copyOf(argv);
    env = Map.copyOf(env);
    labels = Map.copyOf(labels);
    ports = List.copyOf(ports);
  }
}
