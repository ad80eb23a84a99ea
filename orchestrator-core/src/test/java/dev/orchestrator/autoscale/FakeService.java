package dev.orchestrator.autoscale;

import dev.orchestrator.spec.Resources;
import dev.orchestrator.spec.ServiceSpec;
import java.util.Optional;

/** One declared service whose scale takes effect at once; thread-safe. */
final class FakeService implements Scalable {
  private volatile ServiceSpec spec;

  FakeService(String name, int replicas, Resources requests) {
    this.spec = ServiceSpec.builder(name).image("img:1").resources(requests).replicas(replicas).build();
  }

  int replicas() {
    return spec.replicas();
  }

  @Override
  public Optional<ServiceSpec> spec(String service) {
    return Optional.of(spec).filter(s -> s.name().equals(service));
  }

  @Override
  public void scale(String service, int replicas) {
    spec = spec.withReplicas(replicas);
  }
}
