package dev.orchestrator.docker;

import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.LogConfig;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.InternetProtocol;
import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.MountType;
import com.github.dockerjava.api.model.PortBinding;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.RestartPolicy;
import com.github.dockerjava.api.model.TmpfsOptions;
import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.ContainerRequest;
import dev.orchestrator.runtime.ContainerState;
import dev.orchestrator.runtime.OwnerLabels;
import dev.orchestrator.runtime.PublishedPort;
import dev.orchestrator.spec.ContainerOptions;
import dev.orchestrator.spec.MountSpec;
import dev.orchestrator.spec.PortSpec;
import dev.orchestrator.spec.Resources;
import dev.orchestrator.spec.ServiceSpec;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/** Translates between the SPI's values and the engine's container model. */
final class ContainerMapping {
  private static final long MIN_RESERVATION = 6 * Resources.MIB;

  private ContainerMapping() {}

  /** Fills a create command from a request; ports are published on {@code hostAddress}. */
  static void apply(ContainerRequest request, String hostAddress, CreateContainerCmd cmd) {
    ServiceSpec spec = request.spec();
    List<ExposedPort> exposed = new ArrayList<>();
    List<PortBinding> bindings = new ArrayList<>();
    for (PortSpec port : spec.ports()) {
      ExposedPort e = port.protocol() == PortSpec.Protocol.UDP
          ? ExposedPort.udp(port.containerPort())
          : ExposedPort.tcp(port.containerPort());
      exposed.add(e);
      bindings.add(new PortBinding(port.hostPort() > 0
          ? Ports.Binding.bindIpAndPort(hostAddress, port.hostPort())
          : Ports.Binding.bindIp(hostAddress), e));
    }
    Resources res = spec.resources();
    ContainerOptions options = spec.options();
    HostConfig host = HostConfig.newHostConfig()
        .withPortBindings(bindings)
        .withMounts(mounts(request))
        .withInit(options.init())
        // the orchestrator owns restarts, with its own backoff
        .withRestartPolicy(RestartPolicy.noRestart())
        .withSecurityOpts(List.of("no-new-privileges"))
        .withReadonlyRootfs(options.readOnlyRootFilesystem())
        .withPrivileged(options.privileged());
    if (!options.capDrop().isEmpty()) {
      host.withCapDrop(options.capDrop().stream().map(ContainerMapping::capability).toArray(Capability[]::new));
    }
    if (!options.capAdd().isEmpty()) {
      host.withCapAdd(options.capAdd().stream().map(ContainerMapping::capability).toArray(Capability[]::new));
    }
    if (options.pidsLimit() > 0) {
      host.withPidsLimit(options.pidsLimit());
    }
    if (!options.dnsServers().isEmpty()) {
      host.withDns(options.dnsServers());
    }
    if (!options.dnsSearch().isEmpty()) {
      host.withDnsSearch(options.dnsSearch());
    }
    if (!options.logDriver().isEmpty()) {
      host.withLogConfig(new LogConfig(LogConfig.LoggingType.fromValue(options.logDriver()), options.logOptions()));
    }
    if (res.cpuLimitMillis() > 0) {
      host.withNanoCPUs(res.cpuLimitMillis() * 1_000_000L);
    }
    if (res.memoryLimitBytes() > 0) {
      // swap equal to the limit: no swap, so exceeding the limit is an OOM kill, not a slowdown
      host.withMemory(res.memoryLimitBytes()).withMemorySwap(res.memoryLimitBytes());
    }
    // a soft limit; the engine refuses reservations under 6 MiB, and those change nothing anyway
    if (res.memoryBytes() >= MIN_RESERVATION
        && (res.memoryLimitBytes() == 0 || res.memoryBytes() <= res.memoryLimitBytes())) {
      host.withMemoryReservation(res.memoryBytes());
    }
    cmd.withName(request.name())
        .withImage(spec.image())
        .withLabels(request.labels())
        .withEnv(spec.env().entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList())
        .withExposedPorts(exposed)
        .withStopTimeout((int) Math.max(0, (spec.stopGracePeriod().toMillis() + 999) / 1000))
        .withHostConfig(host);
    if (!spec.networks().isEmpty()) {
      // created on its first network, never on the default bridge: networks isolate, internal ones have no egress;
      // the aliases are those the orchestrator connects every network with, so that connect finds them present
      host.withNetworkMode(spec.networks().get(0));
      String slot = request.labels().get(OwnerLabels.SLOT);
      cmd.withAliases(slot == null ? List.of(spec.name()) : List.of(spec.name(), spec.name() + "-" + slot));
    }
    if (!spec.command().isEmpty()) {
      cmd.withCmd(spec.command());
    }
    if (!spec.workingDir().isEmpty()) {
      cmd.withWorkingDir(spec.workingDir());
    }
    if (!options.user().isEmpty()) {
      cmd.withUser(options.user());
    }
    if (!options.stopSignal().isEmpty()) {
      cmd.withStopSignal(options.stopSignal());
    }
  }

  /** docker-java's capability for a name with or without the {@code CAP_} prefix. */
  static Capability capability(String name) {
    return Capability.valueOf(name.startsWith("CAP_") ? name.substring(4) : name);
  }

  private static List<Mount> mounts(ContainerRequest request) {
    List<Mount> mounts = new ArrayList<>();
    for (MountSpec m : request.spec().mounts()) {
      Mount mount = new Mount().withTarget(m.target()).withReadOnly(m.readOnly());
      switch (m.type()) {
        case BIND -> mount.withType(MountType.BIND).withSource(m.source());
        case TMPFS -> {
          mount.withType(MountType.TMPFS);
          if (m.sizeBytes() > 0) {
            mount.withTmpfsOptions(new TmpfsOptions().withSizeBytes(m.sizeBytes()));
          }
        }
        case VOLUME -> mount.withType(MountType.VOLUME)
            .withSource(request.volumeNames().getOrDefault(m.target(), m.source()));
      }
      mounts.add(mount);
    }
    return mounts;
  }

  /** The SPI's view of an inspected container; {@code hostAddress} replaces wildcard bindings. */
  static ContainerInfo info(InspectContainerResponse c, String node, String hostAddress) {
    InspectContainerResponse.ContainerState s = c.getState();
    ContainerState state = state(s.getStatus());
    Map<String, String> labels = c.getConfig() == null || c.getConfig().getLabels() == null
        ? Map.of() : c.getConfig().getLabels();
    Long exit = s.getExitCodeLong();
    return new ContainerInfo(
        c.getId(),
        stripSlash(c.getName()),
        node,
        c.getConfig() == null ? c.getImageId() : c.getConfig().getImage(),
        labels,
        state,
        state == ContainerState.EXITED && exit != null ? exit.intValue() : -1,
        Boolean.TRUE.equals(s.getOOMKilled()),
        time(s.getStartedAt()),
        state == ContainerState.EXITED ? time(s.getFinishedAt()) : null,
        ports(c, hostAddress),
        networks(c));
  }

  /** Network name to the container's IPv4 address on it, for networks where it has one. */
  private static Map<String, String> networks(InspectContainerResponse c) {
    return c.getNetworkSettings() == null ? Map.of() : addresses(c.getNetworkSettings().getNetworks());
  }

  /** Network name to the container's IPv4 address on it, for networks where it has one. */
  static Map<String, String> addresses(Map<String, ContainerNetwork> networks) {
    if (networks == null) {
      return Map.of();
    }
    Map<String, String> result = new java.util.TreeMap<>();
    networks.forEach((name, n) -> {
      if (n != null && n.getIpAddress() != null && !n.getIpAddress().isEmpty()) {
        result.put(name, n.getIpAddress());
      }
    });
    return result;
  }

  /** The address a port binding is reachable at: {@code hostAddress} for a wildcard binding. */
  static String bindingAddress(String ip, String hostAddress) {
    boolean wildcard = ip == null || ip.isEmpty() || ip.equals("0.0.0.0") || ip.equals("::");
    return wildcard ? hostAddress : ip;
  }


  static ContainerState state(String status) {
    return switch (status == null ? "" : status) {
      case "created" -> ContainerState.CREATED;
      case "running", "paused", "restarting" -> ContainerState.RUNNING;
      default -> ContainerState.EXITED; // exited, dead, removing
    };
  }

  private static List<PublishedPort> ports(InspectContainerResponse c, String hostAddress) {
    if (c.getNetworkSettings() == null || c.getNetworkSettings().getPorts() == null) {
      return List.of();
    }
    List<PublishedPort> ports = new ArrayList<>();
    c.getNetworkSettings().getPorts().getBindings().forEach((exposed, bindings) -> {
      if (bindings == null) {
        return;
      }
      for (Ports.Binding b : bindings) {
        if (b.getHostPortSpec() == null || b.getHostPortSpec().isEmpty()) {
          continue;
        }
        String ip = b.getHostIp();
        String protocol = exposed.getProtocol() == InternetProtocol.UDP ? "udp" : "tcp";
        ports.add(new PublishedPort(exposed.getPort(), protocol, bindingAddress(ip, hostAddress),
            Integer.parseInt(b.getHostPortSpec())));
      }
    });
    ports.sort(Comparator.comparingInt(PublishedPort::containerPort));
    return ports;
  }

  /** Docker's zero time ("0001-01-01T00:00:00Z") means "never". */
  static Instant time(String value) {
    if (value == null || value.isEmpty() || value.startsWith("0001-")) {
      return null;
    }
    try {
      return Instant.parse(value);
    } catch (DateTimeParseException e) {
      return null;
    }
  }

  static String stripSlash(String name) {
    return name != null && name.startsWith("/") ? name.substring(1) : name;
  }
}
