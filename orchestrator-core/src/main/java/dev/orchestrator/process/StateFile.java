package dev.orchestrator.process;

import dev.orchestrator.runtime.ContainerState;
import dev.orchestrator.spec.PortSpec;
import java.io.IOException;
import java.io.Reader;
import java.io.Writer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;

/**
 * Reads and writes a container's {@code state.properties}. Writes go to a temporary file that is
 * then moved over the old one, so a reader (or a crash) never sees half a file.
 */
final class StateFile {
  static final String NAME = "state.properties";

  private StateFile() {}

  static void write(Path dir, ContainerDefinition def, RunState run) throws IOException {
    Properties p = new Properties();
    p.setProperty("id", def.id());
    p.setProperty("name", def.name());
    p.setProperty("image", def.image());
    p.setProperty("workingDir", def.workingDir().toString());
    p.setProperty("createdAt", def.createdAt().toString());
    putList(p, "argv", def.argv());
    def.env().forEach((k, v) -> p.setProperty("env." + k, v));
    def.labels().forEach((k, v) -> p.setProperty("label." + k, v));
    for (int i = 0; i < def.ports().size(); i++) {
      PortSpec port = def.ports().get(i);
      p.setProperty("port." + i, port.name() + "," + port.containerPort() + "," + port.hostPort() + "," + port.protocol());
    }
    p.setProperty("state", run.state().name());
    p.setProperty("pid", Long.toString(run.pid()));
    p.setProperty("exitCode", Integer.toString(run.exitCode()));
    putInstant(p, "processStart", run.processStart());
    putInstant(p, "startedAt", run.startedAt());
    putInstant(p, "finishedAt", run.finishedAt());

    Path tmp = dir.resolve(NAME + ".tmp");
    try (Writer w = Files.newBufferedWriter(tmp, StandardCharsets.UTF_8)) {
      p.store(w, "process container " + def.id());
    }
    Files.move(tmp, dir.resolve(NAME), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
  }

  /** A definition and run state read back from disk. */
  record Loaded(ContainerDefinition definition, RunState run) {}

  static Loaded read(Path dir) throws IOException {
    Properties p = new Properties();
    try (Reader r = Files.newBufferedReader(dir.resolve(NAME), StandardCharsets.UTF_8)) {
      p.load(r);
    }
    List<PortSpec> ports = new ArrayList<>();
    for (int i = 0; p.containsKey("port." + i); i++) {
      String[] f = p.getProperty("port." + i).split(",", -1);
      ports.add(new PortSpec(f[0], Integer.parseInt(f[1]), Integer.parseInt(f[2]), PortSpec.Protocol.valueOf(f[3])));
    }
    ContainerDefinition def = new ContainerDefinition(
        required(p, "id"),
        required(p, "name"),
        required(p, "image"),
        list(p, "argv"),
        prefixed(p, "env."),
        prefixed(p, "label."),
        Path.of(required(p, "workingDir")),
        ports,
        Instant.parse(required(p, "createdAt")));
    RunState run = new RunState(
        ContainerState.valueOf(required(p, "state")),
        Long.parseLong(p.getProperty("pid", "-1")),
        instant(p, "processStart"),
        instant(p, "startedAt"),
        instant(p, "finishedAt"),
        Integer.parseInt(p.getProperty("exitCode", "-1")));
    return new Loaded(def, run);
  }

  private static String required(Properties p, String key) throws IOException {
    String value = p.getProperty(key);
    if (value == null) {
      throw new IOException("state file lacks '" + key + "'");
    }
    return value;
  }

  private static void putList(Properties p, String key, List<String> values) {
    p.setProperty(key + ".size", Integer.toString(values.size()));
    for (int i = 0; i < values.size(); i++) {
      p.setProperty(key + "." + i, values.get(i));
    }
  }

  private static List<String> list(Properties p, String key) {
    int size = Integer.parseInt(p.getProperty(key + ".size", "0"));
    List<String> values = new ArrayList<>(size);
    for (int i = 0; i < size; i++) {
      values.add(p.getProperty(key + "." + i, ""));
    }
    return values;
  }

  private static Map<String, String> prefixed(Properties p, String prefix) {
    Map<String, String> values = new TreeMap<>();
    for (String key : p.stringPropertyNames()) {
      if (key.startsWith(prefix)) {
        values.put(key.substring(prefix.length()), p.getProperty(key));
      }
    }
    return values;
  }

  private static void putInstant(Properties p, String key, Instant value) {
    if (value != null) {
      p.setProperty(key, value.toString());
    }
  }

  private static Instant instant(Properties p, String key) {
    String value = p.getProperty(key);
    return value == null ? null : Instant.parse(value);
  }
}
