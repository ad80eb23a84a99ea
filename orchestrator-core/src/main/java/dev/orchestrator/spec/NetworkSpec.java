package dev.orchestrator.spec;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A network replicas join to reach each other by name.
 *
 * @param name DNS-label-like name, unique per orchestrator
 * @param driver the backend driver ("bridge" by default)
 * @param internal true for a network without egress
 * @param subnet optional CIDR, empty for automatic
 * @param gateway optional gateway address, empty for automatic
 * @param labels user labels (ownership labels are added by the provider)
 */
public record NetworkSpec(String name, String driver, boolean internal, String subnet, String gateway, Map<String, String> labels) {
  public NetworkSpec {
    Objects.requireNonNull(name, "name");
    driver = driver == null || driver.isEmpty() ? "bridge" : driver;
    subnet = subnet == null ? "" : subnet;
    gateway = gateway == null ? "" : gateway;
    labels = Map.copyOf(new TreeMap<>(labels == null ? Map.of() : labels));
  }

  public static NetworkSpec named(String name) {
    return new NetworkSpec(name, "bridge", false, "", "", Map.of());
  }

  public NetworkSpec internalOnly() {
    return new NetworkSpec(name, driver, true, subnet, gateway, labels);
  }

  public NetworkSpec withSubnet(String subnet, String gateway) {
    return new NetworkSpec(name, driver, internal, subnet, gateway, labels);
  }

  public NetworkSpec withLabels(Map<String, String> labels) {
    return new NetworkSpec(name, driver, internal, subnet, gateway, labels);
  }
}
