package dev.orchestrator.internal;

import dev.orchestrator.spec.MountSpec;
import dev.orchestrator.spec.NetworkSpec;
import dev.orchestrator.spec.ServiceSpec;
import dev.orchestrator.spec.VolumeSpec;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the application declared. Immutable specs in concurrent maps: written by API calls, read
 * by reconcile workers.
 */
final class DesiredState {
  private final Map<String, ServiceSpec> services = new ConcurrentHashMap<>();
  private final Map<String, VolumeSpec> volumes = new ConcurrentHashMap<>();
  private final Map<String, NetworkSpec> networks = new ConcurrentHashMap<>();
  /** Services deleted through the API whose teardown has not finished. */
  private final Set<String> deleted = ConcurrentHashMap.newKeySet();
  /** Bumped on every change of the declared services. */
  private final java.util.concurrent.atomic.AtomicLong servicesVersion = new java.util.concurrent.atomic.AtomicLong();

  /** Stores the spec; returns the previous one, if any. */
  Optional<ServiceSpec> put(ServiceSpec spec) {
    deleted.remove(spec.name());
    ServiceSpec previous = services.put(spec.name(), spec);
    servicesVersion.incrementAndGet();
    return Optional.ofNullable(previous);
  }

  /** Changes whenever a service is declared, changed or deleted. */
  long servicesVersion() {
    return servicesVersion.get();
  }

  /** Declares {@code next} in place of {@code expected} if that is still the declaration (a rollback). */
  boolean replace(ServiceSpec expected, ServiceSpec next) {
    return services.replace(expected.name(), expected, next);
  }

  Optional<ServiceSpec> delete(String service) {
    ServiceSpec previous = services.remove(service);
    if (previous != null) {
      deleted.add(service);
      servicesVersion.incrementAndGet();
    }
    return Optional.ofNullable(previous);
  }

  ServiceSpec service(String name) {
    return services.get(name);
  }

  Map<String, ServiceSpec> services() {
    return Map.copyOf(services);
  }

  boolean wasDeleted(String service) {
    return deleted.contains(service);
  }

  void teardownFinished(String service) {
    deleted.remove(service);
  }

  void put(VolumeSpec spec) {
    volumes.put(spec.name(), spec);
  }

  void put(NetworkSpec spec) {
    networks.put(spec.name(), spec);
  }

  Optional<VolumeSpec> volume(String name) {
    return Optional.ofNullable(volumes.get(name));
  }

  /** The volume a slot of a service mounts for a VOLUME mount: the declared settings under the slot's name. */
  VolumeSpec volumeFor(MountSpec mount, String service, int slot) {
    VolumeSpec declared = volume(mount.source()).orElse(VolumeSpec.named(mount.source()));
    String name = mount.volumeNameFor(service, slot);
    return name.equals(declared.name()) ? declared
        : new VolumeSpec(name, declared.driver(), declared.options(), declared.labels(), declared.retention());
  }

  Optional<NetworkSpec> network(String name) {
    return Optional.ofNullable(networks.get(name));
  }

  boolean networkDeclared(String name) {
    return networks.containsKey(name);
  }

  /** Whether any declared service other than {@code except} uses the network. */
  boolean networkUsed(String name, String except) {
    return services.values().stream().anyMatch(s -> !s.name().equals(except) && s.networks().contains(name));
  }

  /** Whether any declared service other than {@code except} mounts the (resolved) volume name. */
  boolean volumeUsed(String volumeName, String except) {
    return services.values().stream().filter(s -> !s.name().equals(except)).anyMatch(s -> s.mounts().stream()
        .anyMatch(m -> m.type() == dev.orchestrator.spec.MountSpec.Type.VOLUME
            && (m.source().equals(volumeName) || m.perReplica() && volumeName.startsWith(m.source() + "-" + s.name() + "-"))));
  }
}
