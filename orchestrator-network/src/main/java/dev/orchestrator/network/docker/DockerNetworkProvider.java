package dev.orchestrator.network.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.api.model.Network;
import dev.orchestrator.NotOwnedException;
import dev.orchestrator.OrchestratorException;
import dev.orchestrator.ResourceInUseException;
import dev.orchestrator.docker.DockerRuntime;
import dev.orchestrator.network.NetworkInfo;
import dev.orchestrator.network.NetworkProvider;
import dev.orchestrator.network.Subnets;
import dev.orchestrator.spec.NetworkSpec;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link NetworkProvider} of user-defined Docker networks on the engine of one
 * {@link DockerRuntime} (one node), sharing its bounded, timed client: every call is one or two
 * engine requests under the runtime's response timeout.
 *
 * <ul>
 *   <li>{@code ensure} creates the network with the spec's driver (bridge by default), internal
 *       flag, subnet and gateway, and the spec's labels plus the owner labels. An existing network
 *       of that name is returned unchanged, whoever owns it. A requested subnet that overlaps a
 *       subnet of any network on the engine is refused before anything is created, naming both
 *       networks.
 *   <li>{@code remove} deletes a network only if it carries every owner label and no container
 *       (running or merely created) is attached to it.
 *   <li>{@code connect} attaches a container under DNS aliases, so that Docker's embedded DNS
 *       resolves each alias to the container on that network; connecting again is a no-op when
 *       the aliases are already there.
 * </ul>
 *
 * <p>Containers whose service declares networks are created directly on the first of them by
 * {@link DockerRuntime}, so they never join Docker's default bridge: networks isolate, and an
 * internal network really has no egress. Thread-safe: ensures are serialized, so that two workers
 * never create a network twice.
 */
public final class DockerNetworkProvider implements NetworkProvider {
  private static final Logger log = LoggerFactory.getLogger(DockerNetworkProvider.class);
  private final DockerRuntime runtime;
  private final Object ensureLock = new Object();

  /** A provider on the engine of {@code runtime}; the runtime stays owned by the caller. */
  public DockerNetworkProvider(DockerRuntime runtime) {
    this.runtime = Objects.requireNonNull(runtime, "runtime");
  }

  /**
   * Creates the network if absent and returns it.
   *
   * @throws OrchestratorException if the requested subnet overlaps an existing network's, or the
   *     engine refuses the network
   */
  @Override
  public NetworkInfo ensure(NetworkSpec spec, Map<String, String> ownerLabels) {
    synchronized (ensureLock) {
      Optional<NetworkInfo> existing = inspect(spec.name());
      if (existing.isPresent()) {
        warnIfDifferent(spec, existing.get());
        return existing.get();
      }
      if (!spec.subnet().isEmpty()) {
        checkSubnet(spec);
      }
      Map<String, String> labels = new HashMap<>(spec.labels());
      labels.putAll(ownerLabels);
      boolean created = runtime.call("create of network " + spec.name(), spec.name(), client -> create(client, spec, labels));
      if (!created) {
        // another orchestrator on this engine created it first
        return inspect(spec.name()).orElseThrow(() -> new OrchestratorException(
            "network '" + spec.name() + "' was reported to exist, then could not be found"));
      }
      return inspect(spec.name()).orElseThrow(() -> new OrchestratorException(
          "network '" + spec.name() + "' vanished right after it was created"));
    }
  }

  private static boolean create(DockerClient client, NetworkSpec spec, Map<String, String> labels) {
    var cmd = client.createNetworkCmd()
        .withName(spec.name())
        .withDriver(spec.driver())
        .withInternal(spec.internal())
        .withLabels(labels)
        .withCheckDuplicate(true);
    if (!spec.subnet().isEmpty()) {
      Network.Ipam.Config config = new Network.Ipam.Config().withSubnet(spec.subnet());
      if (!spec.gateway().isEmpty()) {
        config.withGateway(spec.gateway());
      }
      cmd.withIpam(new Network.Ipam().withConfig(config));
    }
    try {
      cmd.exec();
      return true;
    } catch (ConflictException e) {
      return false;
    } catch (DockerException e) {
      throw new OrchestratorException("cannot create network '" + spec.name() + "'"
          + (spec.subnet().isEmpty() ? "" : " with subnet " + spec.subnet()) + ": the engine refused it ("
          + DockerRuntime.engineMessage(e) + ")", e);
    }
  }

  /** An existing network is never changed: say so when it is not what the spec asks for. */
  private static void warnIfDifferent(NetworkSpec spec, NetworkInfo n) {
    boolean differs = spec.internal() != n.internal() || !spec.driver().equals(n.driver())
        || !spec.subnet().isEmpty() && !spec.subnet().equals(n.subnet());
    if (differs) {
      log.warn("network '{}' exists as {} internal={} subnet={} and is used as it is; the spec asks for {} internal={} subnet={}"
          + " (remove the network to have it re-created)", n.name(), n.driver(), n.internal(), n.subnet(),
          spec.driver(), spec.internal(), spec.subnet().isEmpty() ? "any" : spec.subnet());
    }
  }

  /** Refuses a subnet that overlaps one of any network on the engine, owned or not. */
  private void checkSubnet(NetworkSpec spec) {
    List<Network> all = runtime.call("list of networks", "", client -> client.listNetworksCmd().exec());
    for (Network other : all) {
      for (String subnet : subnets(other)) {
        if (Subnets.overlap(spec.subnet(), subnet)) {
          throw new OrchestratorException("cannot create network '" + spec.name() + "' with subnet " + spec.subnet()
              + ": it overlaps subnet " + subnet + " of network '" + other.getName() + "'");
        }
      }
    }
  }

  /**
   * Removes an owned network with nothing attached; an unknown name is a no-op.
   *
   * @throws NotOwnedException when the network lacks one of {@code ownerLabels}
   * @throws ResourceInUseException when a container is attached (running or not)
   */
  @Override
  public void remove(String name, Map<String, String> ownerLabels) {
    Optional<NetworkInfo> found = inspect(name);
    if (found.isEmpty()) {
      return;
    }
    NetworkInfo network = found.get();
    ownerLabels.forEach((key, value) -> {
      if (!value.equals(network.labels().get(key))) {
        throw new NotOwnedException(name, "network '" + name + "' is not owned by this orchestrator: label "
            + key + "=" + value + " is missing; it was left alone");
      }
    });
    if (!network.containers().isEmpty()) {
      throw inUse(name, network.containers());
    }
    String refusal = runtime.call("removal of network " + name, name, client -> {
      try {
        client.removeNetworkCmd(network.id()).exec();
        return null;
      } catch (NotFoundException e) {
        return null;
      } catch (DockerException e) {
        // a container attached between the check and the removal
        return DockerRuntime.engineMessage(e);
      }
    });
    if (refusal != null) {
      throw new ResourceInUseException(name, "network '" + name + "' was not removed: " + refusal);
    }
  }

  private static ResourceInUseException inUse(String name, Set<String> containers) {
    return new ResourceInUseException(name, "network '" + name + "' still has connected containers " + new TreeSet<>(containers));
  }

  @Override
  public Optional<NetworkInfo> inspect(String name) {
    return runtime.call("inspect of network " + name, name, client -> {
      Network network;
      try {
        network = client.inspectNetworkCmd().withNetworkId(name).exec();
      } catch (NotFoundException e) {
        return Optional.<NetworkInfo>empty();
      }
      if (!name.equals(network.getName())) {
        return Optional.<NetworkInfo>empty(); // the engine also matches id prefixes
      }
      Set<String> attached = new HashSet<>();
      if (network.getContainers() != null) {
        attached.addAll(network.getContainers().keySet());
      }
      // created containers have no endpoint yet, so only a container listing shows them
      for (Container c : client.listContainersCmd().withShowAll(true).withNetworkFilter(List.of(network.getName())).exec()) {
        attached.add(c.getId());
      }
      return Optional.of(info(network, attached));
    });
  }

  @Override
  public List<NetworkInfo> list(Map<String, String> labelSelector) {
    return runtime.call("list of networks " + labelSelector, "", client -> {
      List<String> filter = labelSelector.entrySet().stream().map(e -> e.getKey() + "=" + e.getValue()).toList();
      var cmd = client.listNetworksCmd();
      if (!filter.isEmpty()) {
        cmd.withFilter("label", filter);
      }
      List<Network> networks = cmd.exec();
      if (networks.isEmpty()) {
        return List.of();
      }
      // one listing of every container gives the attachments of all networks at once
      Map<String, Set<String>> attached = new HashMap<>();
      for (Container c : client.listContainersCmd().withShowAll(true).exec()) {
        if (c.getNetworkSettings() != null && c.getNetworkSettings().getNetworks() != null) {
          c.getNetworkSettings().getNetworks().keySet()
              .forEach(n -> attached.computeIfAbsent(n, k -> new HashSet<>()).add(c.getId()));
        }
      }
      List<NetworkInfo> result = new ArrayList<>();
      for (Network n : networks) {
        Map<String, String> labels = n.getLabels() == null ? Map.of() : n.getLabels();
        if (labels.entrySet().containsAll(labelSelector.entrySet())) {
          result.add(info(n, attached.getOrDefault(n.getName(), Set.of())));
        }
      }
      result.sort(java.util.Comparator.comparing(NetworkInfo::name));
      return result;
    });
  }

  /**
   * Attaches the container under the aliases; when it is already attached without one of them, it
   * is detached and attached again with them.
   */
  @Override
  public void connect(String network, String containerId, List<String> aliases) {
    Objects.requireNonNull(containerId, "containerId");
    runtime.call("connect of container " + containerId + " to network " + network, containerId, client -> {
      InspectContainerResponse container = client.inspectContainerCmd(containerId).exec();
      ContainerNetwork current = container.getNetworkSettings() == null || container.getNetworkSettings().getNetworks() == null
          ? null : container.getNetworkSettings().getNetworks().get(network);
      if (current != null) {
        List<String> present = current.getAliases() == null ? List.of() : current.getAliases();
        if (present.containsAll(aliases)) {
          return null;
        }
        client.disconnectFromNetworkCmd().withNetworkId(network).withContainerId(containerId).withForce(true).exec();
      }
      try {
        client.connectToNetworkCmd().withNetworkId(network).withContainerId(containerId)
            .withContainerNetwork(new ContainerNetwork().withAliases(aliases)).exec();
      } catch (NotFoundException e) {
        throw new OrchestratorException("cannot connect container " + containerId + " to network '" + network
            + "': " + DockerRuntime.engineMessage(e), e);
      }
      return null;
    });
  }

  @Override
  public void disconnect(String network, String containerId) {
    runtime.call("disconnect of container " + containerId + " from network " + network, containerId, client -> {
      try {
        client.disconnectFromNetworkCmd().withNetworkId(network).withContainerId(containerId).withForce(true).exec();
      } catch (NotFoundException e) {
        // network or container gone: nothing is attached
      } catch (DockerException e) {
        if (!DockerRuntime.engineMessage(e).contains("is not connected")) {
          throw e;
        }
      }
      return null;
    });
  }

  private static NetworkInfo info(Network n, Set<String> containers) {
    List<String> subnets = subnets(n);
    return new NetworkInfo(n.getName(), n.getId(), n.getDriver(), Boolean.TRUE.equals(n.getInternal()),
        subnets.isEmpty() ? "" : subnets.get(0), n.getLabels() == null ? Map.of() : n.getLabels(), containers);
  }

  private static List<String> subnets(Network n) {
    if (n.getIpam() == null || n.getIpam().getConfig() == null) {
      return List.of();
    }
    return n.getIpam().getConfig().stream().map(Network.Ipam.Config::getSubnet)
        .filter(s -> s != null && !s.isEmpty()).toList();
  }
}
