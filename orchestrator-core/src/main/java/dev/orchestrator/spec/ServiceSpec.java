package dev.orchestrator.spec;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;

/**
 * What an application wants running: an immutable declaration of one service and its replicas.
 * Build one with {@link #builder(String)}, change one with {@link #toBuilder()}.
 *
 * <p>A spec is checked by {@link SpecValidator} before anything is created. Its
 * {@link #specHash()} covers everything but the replica count, priority and update policy, so
 * that scaling never replaces a replica and any other change of the containers does (rolled out
 * per its {@link UpdatePolicy}).
 */
public final class ServiceSpec {
  private final String name;
  private final String image;
  private final List<String> command;
  private final Map<String, String> env;
  private final Map<String, String> labels;
  private final List<PortSpec> ports;
  private final Resources resources;
  private final int replicas;
  private final RestartPolicy restartPolicy;
  private final HealthCheck liveness;
  private final HealthCheck readiness;
  private final List<MountSpec> mounts;
  private final List<String> networks;
  private final List<PlacementConstraint> constraints;
  private final Duration stopGracePeriod;
  private final String workingDir;
  private final ContainerOptions options;
  private final UpdatePolicy updatePolicy;
  private final int priority;
  private final List<Toleration> tolerations;
  private final Set<String> antiAffinity;
  private final int maxPerNode;
  private final String specHash;

  private ServiceSpec(Builder b) {
    this.name = b.name;
    this.image = b.image;
    this.command = List.copyOf(b.command);
    this.env = Map.copyOf(b.env);
    this.labels = Map.copyOf(b.labels);
    this.ports = List.copyOf(b.ports);
    this.resources = b.resources;
    this.replicas = b.replicas;
    this.restartPolicy = b.restartPolicy;
    this.liveness = b.liveness;
    this.readiness = b.readiness;
    this.mounts = List.copyOf(b.mounts);
    this.networks = List.copyOf(b.networks);
    this.constraints = List.copyOf(b.constraints);
    this.stopGracePeriod = b.stopGracePeriod;
    this.workingDir = b.workingDir;
    this.options = b.options;
    this.updatePolicy = b.updatePolicy;
    this.priority = b.priority;
    this.tolerations = List.copyOf(b.tolerations);
    this.antiAffinity = Set.copyOf(b.antiAffinity);
    this.maxPerNode = b.maxPerNode;
    this.specHash = SpecHash.of(this); // last: it reads the fields above
  }

  /** Starts a spec for the named service (a DNS label: lower-case letters, digits, '-'). */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  public Builder toBuilder() {
    return new Builder(this);
  }

  public String name() {
    return name;
  }

  public String image() {
    return image;
  }

  /** The command and its arguments; empty means the image's default. */
  public List<String> command() {
    return command;
  }

  public Map<String, String> env() {
    return env;
  }

  public Map<String, String> labels() {
    return labels;
  }

  public List<PortSpec> ports() {
    return ports;
  }

  public Resources resources() {
    return resources;
  }

  public int replicas() {
    return replicas;
  }

  public RestartPolicy restartPolicy() {
    return restartPolicy;
  }

  public Optional<HealthCheck> liveness() {
    return Optional.ofNullable(liveness);
  }

  public Optional<HealthCheck> readiness() {
    return Optional.ofNullable(readiness);
  }

  public List<MountSpec> mounts() {
    return mounts;
  }

  public List<String> networks() {
    return networks;
  }

  public List<PlacementConstraint> constraints() {
    return constraints;
  }

  /** How long a replica gets between the stop signal and a kill. */
  public Duration stopGracePeriod() {
    return stopGracePeriod;
  }

  /** Working directory inside the container; empty for the image's default. */
  public String workingDir() {
    return workingDir;
  }

  /** User, signals, hardening and logging of the replicas' containers. */
  public ContainerOptions options() {
    return options;
  }

  /** How a change of this spec is rolled out (not part of the hash: changing it alone replaces nothing). */
  public UpdatePolicy updatePolicy() {
    return updatePolicy;
  }

  /**
   * Scheduling priority (default 0): a replica that fits nowhere may preempt replicas of services
   * with a lower priority. Not part of {@link #specHash()}: changing it replaces no replica.
   */
  public int priority() {
    return priority;
  }

  /** Node taints its replicas accept (see {@link Toleration}). */
  public List<Toleration> tolerations() {
    return tolerations;
  }

  /**
   * Services whose replicas its replicas never share a node with; naming the service itself keeps
   * at most one of its replicas per node.
   */
  public Set<String> antiAffinity() {
    return antiAffinity;
  }

  /** At most this many of its replicas per node; 0 for no limit. */
  public int maxPerNode() {
    return maxPerNode;
  }

  /**
   * Short hash of everything but {@link #replicas()}, {@link #priority()} and
   * {@link #updatePolicy()}: a different hash means "replace".
   */
  public String specHash() {
    return specHash;
  }

  /** This spec with another replica count (same hash). */
  public ServiceSpec withReplicas(int replicas) {
    return toBuilder().replicas(replicas).build();
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof ServiceSpec other
        && name.equals(other.name)
        && replicas == other.replicas
        && priority == other.priority
        && specHash.equals(other.specHash)
        && updatePolicy.equals(other.updatePolicy)
        && Objects.equals(liveness, other.liveness) // their timings are not in the hash: they replace no replica
        && Objects.equals(readiness, other.readiness);
  }

  @Override
  public int hashCode() {
    return Objects.hash(name, replicas, priority, specHash, updatePolicy, liveness, readiness);
  }

  @Override
  public String toString() {
    return "ServiceSpec{" + name + ", image=" + image + ", replicas=" + replicas + ", hash=" + specHash + "}";
  }

  /** Mutable builder; not thread-safe. */
  public static final class Builder {
    private String name;
    private String image = "";
    private List<String> command = new ArrayList<>();
    private Map<String, String> env = new TreeMap<>();
    private Map<String, String> labels = new TreeMap<>();
    private List<PortSpec> ports = new ArrayList<>();
    private Resources resources = Resources.NONE;
    private int replicas = 1;
    private RestartPolicy restartPolicy = RestartPolicy.defaults();
    private HealthCheck liveness;
    private HealthCheck readiness;
    private List<MountSpec> mounts = new ArrayList<>();
    private List<String> networks = new ArrayList<>();
    private List<PlacementConstraint> constraints = new ArrayList<>();
    private Duration stopGracePeriod = Duration.ofSeconds(10);
    private String workingDir = "";
    private ContainerOptions options = ContainerOptions.defaults();
    private UpdatePolicy updatePolicy = UpdatePolicy.defaults();
    private int priority;
    private List<Toleration> tolerations = new ArrayList<>();
    private Set<String> antiAffinity = new java.util.TreeSet<>();
    private int maxPerNode;

    private Builder(String name) {
      this.name = name == null ? "" : name;
    }

    private Builder(ServiceSpec s) {
      this.name = s.name;
      this.image = s.image;
      this.command = new ArrayList<>(s.command);
      this.env = new TreeMap<>(s.env);
      this.labels = new TreeMap<>(s.labels);
      this.ports = new ArrayList<>(s.ports);
      this.resources = s.resources;
      this.replicas = s.replicas;
      this.restartPolicy = s.restartPolicy;
      this.liveness = s.liveness;
      this.readiness = s.readiness;
      this.mounts = new ArrayList<>(s.mounts);
      this.networks = new ArrayList<>(s.networks);
      this.constraints = new ArrayList<>(s.constraints);
      this.stopGracePeriod = s.stopGracePeriod;
      this.workingDir = s.workingDir;
      this.options = s.options;
      this.updatePolicy = s.updatePolicy;
      this.priority = s.priority;
      this.tolerations = new ArrayList<>(s.tolerations);
      this.antiAffinity = new java.util.TreeSet<>(s.antiAffinity);
      this.maxPerNode = s.maxPerNode;
    }

    /** Accepts nodes with this taint; see {@link ServiceSpec#tolerations()}. */
    public Builder toleration(Toleration toleration) {
      tolerations.add(Objects.requireNonNull(toleration, "toleration"));
      return this;
    }

    /** Keeps replicas off nodes running these services; see {@link ServiceSpec#antiAffinity()}. */
    public Builder antiAffinity(String... services) {
      antiAffinity.addAll(List.of(services));
      return this;
    }

    /** At most this many replicas per node (0, the default: no limit). */
    public Builder maxPerNode(int maxPerNode) {
      this.maxPerNode = maxPerNode;
      return this;
    }

    /** Scheduling priority, {@value SpecValidator#MIN_PRIORITY}..{@value SpecValidator#MAX_PRIORITY}; see {@link ServiceSpec#priority()}. */
    public Builder priority(int priority) {
      this.priority = priority;
      return this;
    }

    public Builder name(String name) {
      this.name = name == null ? "" : name;
      return this;
    }

    public Builder image(String image) {
      this.image = image == null ? "" : image;
      return this;
    }

    /** Replaces the command (program and arguments). */
    public Builder command(String... command) {
      return command(List.of(command));
    }

    public Builder command(List<String> command) {
      this.command = new ArrayList<>(command);
      return this;
    }

    public Builder env(String key, String value) {
      this.env.put(Objects.requireNonNull(key, "env key"), Objects.requireNonNull(value, "env value of " + key));
      return this;
    }

    public Builder env(Map<String, String> env) {
      env.forEach(this::env);
      return this;
    }

    public Builder label(String key, String value) {
      this.labels.put(Objects.requireNonNull(key, "label key"), Objects.requireNonNull(value, "label value of " + key));
      return this;
    }

    public Builder port(PortSpec port) {
      this.ports.add(Objects.requireNonNull(port, "port"));
      return this;
    }

    /** Adds a TCP port published on a random host port. */
    public Builder port(int containerPort) {
      return port(PortSpec.tcp(containerPort));
    }

    public Builder clearPorts() {
      this.ports.clear();
      return this;
    }

    public Builder resources(Resources resources) {
      this.resources = Objects.requireNonNull(resources, "resources");
      return this;
    }

    public Builder replicas(int replicas) {
      this.replicas = replicas;
      return this;
    }

    public Builder restartPolicy(RestartPolicy restartPolicy) {
      this.restartPolicy = Objects.requireNonNull(restartPolicy, "restartPolicy");
      return this;
    }

    /** A failing liveness check gets the replica replaced; null removes it. */
    public Builder liveness(HealthCheck check) {
      this.liveness = check;
      return this;
    }

    /** Only replicas passing readiness are published in the registry; null: ready once running. */
    public Builder readiness(HealthCheck check) {
      this.readiness = check;
      return this;
    }

    public Builder mount(MountSpec mount) {
      this.mounts.add(Objects.requireNonNull(mount, "mount"));
      return this;
    }

    public Builder network(String network) {
      this.networks.add(Objects.requireNonNull(network, "network"));
      return this;
    }

    public Builder constraint(PlacementConstraint constraint) {
      this.constraints.add(Objects.requireNonNull(constraint, "constraint"));
      return this;
    }

    public Builder stopGracePeriod(Duration grace) {
      this.stopGracePeriod = Objects.requireNonNull(grace, "stopGracePeriod");
      return this;
    }

    public Builder workingDir(String dir) {
      this.workingDir = dir == null ? "" : dir;
      return this;
    }

    /** User, signals, hardening and logging (see {@link ContainerOptions#defaults()}). */
    public Builder options(ContainerOptions options) {
      this.options = Objects.requireNonNull(options, "options");
      return this;
    }

    /** How changes are rolled out (see {@link UpdatePolicy#defaults()}). */
    public Builder updatePolicy(UpdatePolicy updatePolicy) {
      this.updatePolicy = Objects.requireNonNull(updatePolicy, "updatePolicy");
      return this;
    }

    /** Builds the spec; call {@link SpecValidator#validate} (the orchestrator does) to check it. */
    public ServiceSpec build() {
      return new ServiceSpec(this);
    }
  }
}
