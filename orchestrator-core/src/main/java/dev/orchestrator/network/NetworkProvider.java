package dev.orchestrator.network;

import dev.orchestrator.spec.NetworkSpec;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Creates and connects the networks replicas join. Thread-safe. Every network it creates carries
 * the given ownership labels; it never removes or changes a network without them.
 */
public interface NetworkProvider {

  /** Creates the network if absent (with these labels) and returns it; idempotent. */
  NetworkInfo ensure(NetworkSpec spec, Map<String, String> ownerLabels);

  /** Removes an owned network; a network not carrying {@code ownerLabels} is left alone and reported. */
  void remove(String name, Map<String, String> ownerLabels);

  Optional<NetworkInfo> inspect(String name);

  /** Networks carrying all the given labels. */
  List<NetworkInfo> list(Map<String, String> labelSelector);

  /** Attaches a container to a network under the given DNS aliases. */
  void connect(String network, String containerId, List<String> aliases);

  /** Detaches a container; a no-op if it is not attached. */
  void disconnect(String network, String containerId);
}
