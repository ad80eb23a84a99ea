package dev.orchestrator.autoscale;

import dev.orchestrator.Orchestrator;
import dev.orchestrator.spec.ServiceSpec;
import java.util.Optional;

/** What an {@link Autoscaler} scales: an {@link Orchestrator}, or a stand-in in tests. */
interface Scalable {
  /** The declared spec (its replica count and requests), empty if the service is not declared. */
  Optional<ServiceSpec> spec(String service);

  void scale(String service, int replicas);

  static Scalable of(Orchestrator orchestrator) {
    return new Scalable() {
      @Override
      public Optional<ServiceSpec> spec(String service) {
        return orchestrator.spec(service);
      }

      @Override
      public void scale(String service, int replicas) {
        orchestrator.scale(service, replicas);
      }
    };
  }
}
