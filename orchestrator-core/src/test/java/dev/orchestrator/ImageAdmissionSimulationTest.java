package dev.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orchestrator.simulation.SimulatedImage;
import dev.orchestrator.spec.ServiceSpec;
import dev.orchestrator.spec.ValidationException;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** Apply asks the nodes for a service's image when the image is new to the declaration, not on every apply. */
class ImageAdmissionSimulationTest {
  private final AtomicInteger imageChecks = new AtomicInteger();

  @Test
  void a_scale_does_not_ask_for_the_admitted_image_again_and_a_new_image_is_checked() {
    try (SimHarness h = new SimHarness(c -> c.onlyRegisteredImages().image("web:1", SimulatedImage.service())
        .image("web:2", SimulatedImage.service()), b -> b,
        node -> SimHarness.watched(node, call -> {
          if (call.equals("ensureImage")) {
            imageChecks.incrementAndGet();
          }
        }))) {
      ServiceSpec web = ServiceSpec.builder("web").image("web:1").replicas(1).build();
      h.orchestrator.apply(web);
      int afterFirst = imageChecks.get();
      assertThat(afterFirst).isPositive();

      h.orchestrator.scale("web", 3);
      h.orchestrator.apply(web.withReplicas(2));
      assertThat(imageChecks.get()).isEqualTo(afterFirst);

      assertThatThrownBy(() -> h.orchestrator.apply(web.toBuilder().image("nope:1").build()))
          .isInstanceOf(ValidationException.class).hasMessageContaining("image = 'nope:1'");
      assertThat(h.orchestrator.spec("web").orElseThrow().image()).isEqualTo("web:1");
      int afterRefused = imageChecks.get();
      h.orchestrator.apply(web.toBuilder().image("web:2").build());
      assertThat(imageChecks.get()).isGreaterThan(afterRefused);
      h.converge(() -> h.ready("web", 1) && h.running("web").get(0).image().equals("web:2"));
    }
  }
}
