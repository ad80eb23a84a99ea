package dev.orchestrator.network;

import dev.orchestrator.NotOwnedException;
import dev.orchestrator.OrchestratorException;
import dev.orchestrator.ResourceInUseException;
import dev.orchestrator.spec.NetworkSpec;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * A thread-safe {@link NetworkProvider} held in memory (no DNS: aliases are accepted and ignored).
 *
 * <p>{@code ensure} of an existing network returns it unchanged, whoever owns it: a network without
 * the owner labels is never adopted or modified. Creating a network whose explicit subnet overlaps
 * another network's fails, naming both. To set up a foreign network in a test, ensure it with other
 * owner labels.
 */
public final class InMemoryNetworkProvider implements NetworkProvider {
  private final Map<String, NetworkInfo> networks = new TreeMap<>();
  private long nextId = 1;

  @Override
  public synchronized NetworkInfo ensure(NetworkSpec spec, Map<String, String> ownerLabels) {
    NetworkInfo existing = networks.get(spec.name());
    if (existing != null) {
      return existing;
    }
    if (!spec.subnet().isEmpty()) {
      for (NetworkInfo other : networks.values()) {
        if (!other.subnet().isEmpty() && Subnets.overlap(spec.subnet(), other.subnet())) {
          throw new OrchestratorException("cannot create network '" + spec.name() + "' with subnet " + spec.subnet()
              + ": it overlaps subnet " + other.subnet() + " of network '" + other.name() + "'");
        }
      }
    }
    Map<String, String> labels = new HashMap<>(spec.labels());
    labels.putAll(ownerLabels);
    NetworkInfo created = new NetworkInfo(spec.name(), String.format("memnet%08x", nextId++), spec.driver(),
        spec.internal(), spec.subnet(), labels, Set.of());
    networks.put(spec.name(), created);
    return created;
  }

  /**
   * Removes an owned, unused network; unknown names are a no-op.
   *
   * @throws NotOwnedException when the network lacks one of {@code ownerLabels}
   * @throws ResourceInUseException when containers are still connected
   */
  @Override
  public synchronized void remove(String name, Map<String, String> ownerLabels) {
    NetworkInfo network = networks.get(name);
    if (network == null) {
      return;
    }
    ownerLabels.forEach((key, value) -> {
      if (!value.equals(network.labels().get(key))) {
        throw new NotOwnedException(name, "network '" + name + "' is not owned by this orchestrator: label "
            + key + "=" + value + " is missing; it was left alone");
      }
    });
    if (!network.containers().isEmpty()) {
      throw new ResourceInUseException(name, "network '" + name + "' still has connected containers "
          + new TreeSet<>(network.containers()));
    }
    networks.remove(name);
  }

  @Override
  public synchronized Optional<NetworkInfo> inspect(String name) {
    return Optional.ofNullable(networks.get(name));
  }

  @Override
  public synchronized List<NetworkInfo> list(Map<String, String> labelSelector) {
    return networks.values().stream()
        .filter(n -> n.labels().entrySet().containsAll(labelSelector.entrySet()))
        .toList();
  }

  /** Records the container as connected (idempotent). */
  @Override
  public synchronized void connect(String network, String containerId, List<String> aliases) {
    Objects.requireNonNull(containerId, "containerId");
    NetworkInfo current = existing(network);
    TreeSet<String> containers = new TreeSet<>(current.containers());
    containers.add(containerId);
    networks.put(network, withContainers(current, containers));
  }

  @Override
  public synchronized void disconnect(String network, String containerId) {
    NetworkInfo current = networks.get(network);
    if (current != null && current.containers().contains(containerId)) {
      TreeSet<String> containers = new TreeSet<>(current.containers());
      containers.remove(containerId);
      networks.put(network, withContainers(current, containers));
    }
  }

  private NetworkInfo existing(String name) {
    NetworkInfo network = networks.get(name);
    if (network == null) {
      throw new OrchestratorException("no network named '" + name + "'");
    }
    return network;
  }

  private static NetworkInfo withContainers(NetworkInfo n, Set<String> containers) {
    return new NetworkInfo(n.name(), n.id(), n.driver(), n.internal(), n.subnet(), n.labels(), containers);
  }
}
