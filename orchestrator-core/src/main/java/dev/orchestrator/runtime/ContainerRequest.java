package dev.orchestrator.runtime;

import dev.orchestrator.spec.ServiceSpec;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * What the reconciler asks a runtime to create: one replica of a service.
 *
 * @param name the deterministic container name (unique per node)
 * @param spec the service's spec; a runtime maps as much of it as it supports
 * @param labels every label to set, ownership labels included
 * @param volumeNames for each volume mount target, the name of the volume to mount there
 */
public record ContainerRequest(String name, ServiceSpec spec, Map<String, String> labels, Map<String, String> volumeNames) {
  public ContainerRequest {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(spec, "spec");
    labels = Map.copyOf(new TreeMap<>(labels));
    volumeNames = Map.copyOf(volumeNames == null ? Map.of() : volumeNames);
  }
}
