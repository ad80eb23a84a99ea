package dev.orchestrator.spec;

import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Checks specs before any side effect and reports every problem at once. Stateless and
 * thread-safe; {@link Options} carry what depends on the environment (node sizes, which
 * dangerous mounts the application allowed).
 */
public final class SpecValidator {
  /** Lowest {@link ServiceSpec#priority()} accepted. */
  public static final int MIN_PRIORITY = -1_000_000;
  /** Highest {@link ServiceSpec#priority()} accepted. */
  public static final int MAX_PRIORITY = 1_000_000;
  private static final Pattern DNS_LABEL = Pattern.compile("[a-z0-9]([-a-z0-9]*[a-z0-9])?");
  private static final Pattern ENV_KEY = Pattern.compile("[A-Za-z_][A-Za-z0-9_.]*");
  /** Label prefix reserved for ownership labels. */
  public static final String RESERVED_LABEL_PREFIX = "dev.orchestrator.";

  private final Options options;

  public SpecValidator(Options options) {
    this.options = options;
  }

  /**
   * Environment-dependent rules.
   *
   * @param allowRootMount allow bind mounts of the host's root, of its system directories
   *     ({@code /etc}, {@code /proc}, {@code /sys}) and of an engine's data directory
   * @param allowDockerSocket allow bind mounts of the Docker socket
   * @param maxNodeCpuMillis the largest node's CPU, 0 if unknown; a larger request is impossible
   * @param maxNodeMemoryBytes the largest node's memory, 0 if unknown
   * @param allowPrivileged allow specs that ask for a privileged container (refused otherwise)
   * @param engineDataDirs the nodes' engine data directories (e.g. Docker's {@code /var/lib/docker}),
   *     refused as bind mount sources, with everything under them
   */
  public record Options(boolean allowRootMount, boolean allowDockerSocket, long maxNodeCpuMillis, long maxNodeMemoryBytes,
      boolean allowPrivileged, Set<String> engineDataDirs) {
    public Options {
      engineDataDirs = Set.copyOf(engineDataDirs);
    }

    /** Options without engine data directories. */
    public Options(boolean allowRootMount, boolean allowDockerSocket, long maxNodeCpuMillis, long maxNodeMemoryBytes,
        boolean allowPrivileged) {
      this(allowRootMount, allowDockerSocket, maxNodeCpuMillis, maxNodeMemoryBytes, allowPrivileged, Set.of());
    }

    public static Options defaults() {
      return new Options(false, false, 0, 0, false);
    }

    /** These options with node sizes filled in. */
    public Options withNodeCapacity(long cpuMillis, long memoryBytes) {
      return new Options(allowRootMount, allowDockerSocket, cpuMillis, memoryBytes, allowPrivileged, engineDataDirs);
    }

    /** These options with the nodes' engine data directories. */
    public Options withEngineDataDirs(Set<String> dirs) {
      return new Options(allowRootMount, allowDockerSocket, maxNodeCpuMillis, maxNodeMemoryBytes, allowPrivileged, dirs);
    }
  }

  /** Throws {@link ValidationException} listing every problem; returns normally if there is none. */
  public void validate(ServiceSpec spec) {
    List<ValidationException.Violation> problems = check(spec);
    if (!problems.isEmpty()) {
      throw new ValidationException("service '" + spec.name() + "'", problems);
    }
  }

  public void validate(VolumeSpec spec) {
    List<ValidationException.Violation> problems = new ArrayList<>();
    name(problems, "name", spec.name());
    if (!problems.isEmpty()) {
      throw new ValidationException("volume '" + spec.name() + "'", problems);
    }
  }

  public void validate(NetworkSpec spec) {
    List<ValidationException.Violation> problems = new ArrayList<>();
    name(problems, "name", spec.name());
    if (!spec.gateway().isEmpty() && spec.subnet().isEmpty()) {
      problems.add(v("gateway", spec.gateway(), "a gateway needs a subnet"));
    }
    if (!spec.subnet().isEmpty() && !spec.subnet().matches("[0-9a-fA-F:.]+/[0-9]{1,3}")) {
      problems.add(v("subnet", spec.subnet(), "must be CIDR notation, e.g. 10.10.0.0/24"));
    }
    if (!problems.isEmpty()) {
      throw new ValidationException("network '" + spec.name() + "'", problems);
    }
  }

  /** Every problem of a service spec, in field order; empty when the spec is valid. */
  public List<ValidationException.Violation> check(ServiceSpec spec) {
    List<ValidationException.Violation> p = new ArrayList<>();
    name(p, "name", spec.name());
    if (spec.image().isBlank()) {
      p.add(v("image", spec.image(), "must not be empty"));
    }
    for (int i = 0; i < spec.command().size(); i++) {
      if (spec.command().get(i) == null) {
        p.add(v("command[" + i + "]", "null", "must not be null"));
      }
    }
    spec.env().keySet().forEach(k -> {
      if (!ENV_KEY.matcher(k).matches()) {
        p.add(v("env." + k, k, "is not a valid environment variable name"));
      }
    });
    spec.labels().keySet().forEach(k -> {
      if (k.startsWith(RESERVED_LABEL_PREFIX)) {
        p.add(v("labels." + k, k, "the prefix '" + RESERVED_LABEL_PREFIX + "' is reserved for ownership labels"));
      }
    });
    if (spec.replicas() < 0) {
      p.add(v("replicas", String.valueOf(spec.replicas()), "must be 0 or more"));
    }
    if (spec.maxPerNode() < 0) {
      p.add(v("maxPerNode", String.valueOf(spec.maxPerNode()), "must be 0 or more"));
    }
    for (String other : new java.util.TreeSet<>(spec.antiAffinity())) {
      if (!DNS_LABEL.matcher(other).matches()) {
        p.add(v("antiAffinity", other, "is not a service name (a DNS label)"));
      }
    }
    for (int i = 0; i < spec.tolerations().size(); i++) {
      if (spec.tolerations().get(i).key().isEmpty()) {
        p.add(v("tolerations[" + i + "].key", "", "must not be empty"));
      }
    }
    if (spec.priority() < MIN_PRIORITY || spec.priority() > MAX_PRIORITY) {
      p.add(v("priority", String.valueOf(spec.priority()), "must be between " + MIN_PRIORITY + " and " + MAX_PRIORITY));
    }
    ports(p, spec.ports());
    resources(p, spec.resources());
    restart(p, spec.restartPolicy());
    Set<Integer> exposed = new HashSet<>();
    spec.ports().forEach(port -> exposed.add(port.containerPort()));
    spec.readiness().ifPresent(c -> check(p, "readiness", c, exposed));
    spec.liveness().ifPresent(c -> check(p, "liveness", c, exposed));
    mounts(p, spec.mounts());
    Set<String> networks = new HashSet<>();
    for (int i = 0; i < spec.networks().size(); i++) {
      String n = spec.networks().get(i);
      name(p, "networks[" + i + "]", n);
      if (!networks.add(n)) {
        p.add(v("networks[" + i + "]", n, "is listed twice"));
      }
    }
    for (int i = 0; i < spec.constraints().size(); i++) {
      PlacementConstraint c = spec.constraints().get(i);
      String path = "constraints[" + i + "]";
      if (c.key().isBlank()) {
        p.add(v(path + ".key", c.key(), "must not be empty"));
      }
      boolean oneValue = c.operator() == PlacementConstraint.Operator.EQUALS
          || c.operator() == PlacementConstraint.Operator.NOT_EQUALS;
      if (oneValue && c.values().size() != 1) {
        p.add(v(path + ".values", c.values().toString(), c.operator() + " takes exactly one value"));
      }
      if (c.operator() == PlacementConstraint.Operator.IN && c.values().isEmpty()) {
        p.add(v(path + ".values", "[]", "IN needs at least one value"));
      }
    }
    if (spec.stopGracePeriod().isNegative()) {
      p.add(v("stopGracePeriod", spec.stopGracePeriod().toString(), "must not be negative"));
    }
    ContainerOptionsRules.check(p, spec.options(), options.allowPrivileged());
    update(p, spec.updatePolicy());
    return p;
  }

  private static void update(List<ValidationException.Violation> p, UpdatePolicy u) {
    amount(p, "updatePolicy.maxSurge", u.maxSurge());
    amount(p, "updatePolicy.maxUnavailable", u.maxUnavailable());
    if (u.maxSurge().value() == 0 && u.maxUnavailable().value() == 0) {
      p.add(v("updatePolicy.maxUnavailable", u.maxUnavailable().toString(), "must not be 0 when maxSurge is 0 too: nothing could be replaced"));
    }
    if (u.minReady().isNegative()) {
      p.add(v("updatePolicy.minReady", u.minReady().toString(), "must not be negative"));
    }
    if (u.failureThreshold() < 1) {
      p.add(v("updatePolicy.failureThreshold", String.valueOf(u.failureThreshold()), "must be 1 or more"));
    }
    if (u.progressDeadline().isNegative() || u.progressDeadline().isZero()) {
      p.add(v("updatePolicy.progressDeadline", u.progressDeadline().toString(), "must be positive"));
    } else if (u.progressDeadline().compareTo(u.minReady()) <= 0) {
      p.add(v("updatePolicy.progressDeadline", u.progressDeadline().toString(), "must be longer than minReady " + u.minReady()));
    }
  }

  private static void amount(List<ValidationException.Violation> p, String path, UpdatePolicy.Amount a) {
    if (a.value() < 0 || a.percent() && a.value() > 100) {
      p.add(v(path, a.toString(), a.percent() ? "must be 0% to 100%" : "must be 0 or more"));
    }
  }

  private void ports(List<ValidationException.Violation> p, List<PortSpec> ports) {
    Map<String, Integer> seen = new HashMap<>();
    Map<Integer, Integer> hostSeen = new HashMap<>();
    Set<String> names = new HashSet<>();
    for (int i = 0; i < ports.size(); i++) {
      PortSpec port = ports.get(i);
      String path = "ports[" + i + "]";
      if (port.containerPort() < 1 || port.containerPort() > 65535) {
        p.add(v(path + ".containerPort", String.valueOf(port.containerPort()), "must be 1..65535"));
      }
      if (port.hostPort() < 0 || port.hostPort() > 65535) {
        p.add(v(path + ".hostPort", String.valueOf(port.hostPort()), "must be 0 (random) or 1..65535"));
      }
      Integer before = seen.putIfAbsent(port.containerPort() + "/" + port.protocol(), i);
      if (before != null) {
        p.add(v(path + ".containerPort", String.valueOf(port.containerPort()),
            "duplicates ports[" + before + "] (" + port.protocol() + ")"));
      }
      if (port.hostPort() > 0) {
        Integer hostBefore = hostSeen.putIfAbsent(port.hostPort(), i);
        if (hostBefore != null) {
          p.add(v(path + ".hostPort", String.valueOf(port.hostPort()), "is also published by ports[" + hostBefore + "]"));
        }
      }
      if (!names.add(port.name())) {
        p.add(v(path + ".name", port.name(), "is used by another port"));
      } else if (!DNS_LABEL.matcher(port.name()).matches()) {
        p.add(v(path + ".name", port.name(), "must be a DNS label (lower-case letters, digits, '-')"));
      }
    }
  }

  private void resources(List<ValidationException.Violation> p, Resources r) {
    if (r.cpuMillis() < 0) {
      p.add(v("resources.cpuMillis", String.valueOf(r.cpuMillis()), "must not be negative"));
    }
    if (r.memoryBytes() < 0) {
      p.add(v("resources.memoryBytes", String.valueOf(r.memoryBytes()), "must not be negative"));
    }
    if (r.cpuLimitMillis() < 0) {
      p.add(v("resources.cpuLimitMillis", String.valueOf(r.cpuLimitMillis()), "must not be negative"));
    }
    if (r.memoryLimitBytes() < 0) {
      p.add(v("resources.memoryLimitBytes", String.valueOf(r.memoryLimitBytes()), "must not be negative"));
    }
    if (r.cpuLimitMillis() > 0 && r.cpuLimitMillis() < r.cpuMillis()) {
      p.add(v("resources.cpuLimitMillis", String.valueOf(r.cpuLimitMillis()),
          "is below the request of " + r.cpuMillis() + "m"));
    }
    if (r.memoryLimitBytes() > 0 && r.memoryLimitBytes() < r.memoryBytes()) {
      p.add(v("resources.memoryLimitBytes", Resources.formatBytes(r.memoryLimitBytes()),
          "is below the request of " + Resources.formatBytes(r.memoryBytes())));
    }
    if (options.maxNodeCpuMillis() > 0 && r.cpuMillis() > options.maxNodeCpuMillis()) {
      p.add(v("resources.cpuMillis", r.cpuMillis() + "m",
          "exceeds the largest node's capacity of " + options.maxNodeCpuMillis() + "m: no node can ever run it"));
    }
    if (options.maxNodeMemoryBytes() > 0 && r.memoryBytes() > options.maxNodeMemoryBytes()) {
      p.add(v("resources.memoryBytes", Resources.formatBytes(r.memoryBytes()),
          "exceeds the largest node's capacity of " + Resources.formatBytes(options.maxNodeMemoryBytes())
              + ": no node can ever run it"));
    }
  }

  private void restart(List<ValidationException.Violation> p, RestartPolicy r) {
    if (r.initialBackoff().isNegative()) {
      p.add(v("restartPolicy.initialBackoff", r.initialBackoff().toString(), "must not be negative"));
    }
    if (r.maxBackoff().compareTo(r.initialBackoff()) < 0) {
      p.add(v("restartPolicy.maxBackoff", r.maxBackoff().toString(), "must be at least initialBackoff " + r.initialBackoff()));
    }
    if (!(r.multiplier() >= 1.0)) {
      p.add(v("restartPolicy.multiplier", String.valueOf(r.multiplier()), "must be 1 or more"));
    }
    if (r.resetAfter().isNegative()) {
      p.add(v("restartPolicy.resetAfter", r.resetAfter().toString(), "must not be negative"));
    }
  }

  private void check(List<ValidationException.Violation> p, String path, HealthCheck c, Set<Integer> exposed) {
    switch (c.kind()) {
      case TCP, HTTP -> {
        if (!exposed.contains(c.port())) {
          p.add(v(path + ".port", String.valueOf(c.port()), "is not one of the service's ports " + exposed));
        }
        if (c.kind() == HealthCheck.Kind.HTTP && !c.path().startsWith("/")) {
          p.add(v(path + ".path", c.path(), "must start with '/'"));
        }
      }
      case EXEC -> {
        if (c.command().isEmpty()) {
          p.add(v(path + ".command", "[]", "an exec check needs a command"));
        }
      }
    }
    positive(p, path + ".interval", c.interval());
    positive(p, path + ".timeout", c.timeout());
    if (c.startInterval().isNegative() || c.startInterval().compareTo(c.interval()) > 0) {
      p.add(v(path + ".startInterval", c.startInterval().toString(), "must be between zero (off) and the interval " + c.interval()));
    }
    if (c.initialDelay().isNegative()) {
      p.add(v(path + ".initialDelay", c.initialDelay().toString(), "must not be negative"));
    }
    if (c.successThreshold() < 1) {
      p.add(v(path + ".successThreshold", String.valueOf(c.successThreshold()), "must be 1 or more"));
    }
    if (c.failureThreshold() < 1) {
      p.add(v(path + ".failureThreshold", String.valueOf(c.failureThreshold()), "must be 1 or more"));
    }
  }

  private void mounts(List<ValidationException.Violation> p, List<MountSpec> mounts) {
    Map<String, Integer> targets = new HashMap<>();
    for (int i = 0; i < mounts.size(); i++) {
      MountSpec m = mounts.get(i);
      String path = "mounts[" + i + "]";
      if (!m.target().startsWith("/")) {
        p.add(v(path + ".target", m.target(), "must be an absolute path"));
      } else {
        String target = Path.of(m.target()).normalize().toString();
        Integer before = targets.putIfAbsent(target, i);
        if (before != null) {
          p.add(v(path + ".target", m.target(), "is also the target of mounts[" + before + "]"));
        }
      }
      switch (m.type()) {
        case VOLUME -> name(p, path + ".source", m.source());
        case BIND -> bind(p, path + ".source", m.source());
        case TMPFS -> {
          if (!m.source().isEmpty()) {
            p.add(v(path + ".source", m.source(), "a tmpfs mount has no source"));
          }
        }
      }
      if (m.sizeBytes() < 0 || m.sizeBytes() > 0 && m.type() != MountSpec.Type.TMPFS) {
        p.add(v(path + ".sizeBytes", String.valueOf(m.sizeBytes()),
            m.sizeBytes() < 0 ? "must not be negative" : "only a tmpfs mount has a size"));
      }
      if (m.perReplica() && m.type() != MountSpec.Type.VOLUME) {
        p.add(v(path + ".perReplica", "true", "only volume mounts can be per replica"));
      }
    }
  }

  private void bind(List<ValidationException.Violation> p, String path, String source) {
    if (!source.startsWith("/")) {
      p.add(v(path, source, "a bind mount needs an absolute host path"));
      return;
    }
    String resolved = resolve(source);
    String refusal = BindPaths.refusal(resolved, options);
    if (refusal != null) {
      p.add(v(path, source, "resolves to " + resolved + ": " + refusal));
    }
  }

  /**
   * The host path a bind mount really reaches: each existing prefix is resolved with its symlinks
   * (so {@code ..} after a symlink climbs from the link's target), the rest is normalized.
   */
  public static String resolve(String hostPath) {
    return BindPaths.resolve(hostPath);
  }

  private static void name(List<ValidationException.Violation> p, String path, String name) {
    if (name == null || name.isEmpty()) {
      p.add(v(path, String.valueOf(name), "must not be empty"));
    } else if (name.length() > 63 || !DNS_LABEL.matcher(name).matches()) {
      p.add(v(path, name, "must be a DNS label: 1-63 lower-case letters, digits or '-', starting and ending with a letter or digit"));
    }
  }

  private static void positive(List<ValidationException.Violation> p, String path, Duration d) {
    if (d.isNegative() || d.isZero()) {
      p.add(v(path, d.toString(), "must be positive"));
    }
  }

  static ValidationException.Violation v(String path, String value, String message) {
    return new ValidationException.Violation(path, value, message);
  }
}
