package dev.orchestrator.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ServiceSpecTest {
  private final ServiceSpec base = ServiceSpec.builder("web").image("busybox").command("httpd", "-f").env("A", "1")
      .port(8080).replicas(3).build();

  @Test
  void toBuilderRoundTripsEveryField() {
    ServiceSpec copy = base.toBuilder().build();
    assertThat(copy).isEqualTo(base);
    assertThat(copy.specHash()).isEqualTo(base.specHash());
    assertThat(copy.command()).containsExactly("httpd", "-f");
  }

  @Test
  void scalingKeepsTheHashAndAnyOtherChangeAltersIt() {
    assertThat(base.withReplicas(7).specHash()).isEqualTo(base.specHash());
    assertThat(base.withReplicas(7)).isNotEqualTo(base);
    assertThat(base.toBuilder().image("busybox:2").build().specHash()).isNotEqualTo(base.specHash());
    assertThat(base.toBuilder().env("A", "2").build().specHash()).isNotEqualTo(base.specHash());
    assertThat(base.toBuilder().readiness(HealthCheck.tcp(8080)).build().specHash()).isNotEqualTo(base.specHash());
    ServiceSpec probed = base.toBuilder().readiness(HealthCheck.tcp(8080)).build();
    ServiceSpec slower = probed.toBuilder().readiness(HealthCheck.tcp(8080).withInterval(Duration.ofSeconds(30))).build();
    assertThat(slower.specHash()).as("timings replace no replica").isEqualTo(probed.specHash());
    assertThat(slower).as("but they are a change of the declaration").isNotEqualTo(probed);
  }

  @Test
  void theHashDoesNotDependOnTheOrderEnvWasGiven() {
    ServiceSpec a = ServiceSpec.builder("x").image("i").env("A", "1").env("B", "2").build();
    ServiceSpec b = ServiceSpec.builder("x").image("i").env(Map.of("B", "2", "A", "1")).build();
    assertThat(a.specHash()).isEqualTo(b.specHash());
  }

  @Test
  void specsAreImmutable() {
    assertThatThrownBy(() -> base.env().put("B", "2")).isInstanceOf(UnsupportedOperationException.class);
    assertThatThrownBy(() -> base.ports().clear()).isInstanceOf(UnsupportedOperationException.class);
    ServiceSpec.Builder b = base.toBuilder();
    b.env("B", "2");
    assertThat(base.env()).doesNotContainKey("B");
  }

  @Test
  void restartBackoffDoublesUpToItsCap() {
    RestartPolicy p = RestartPolicy.defaults().withBackoff(Duration.ofSeconds(1), Duration.ofSeconds(10), 2);
    assertThat(p.backoff(0)).isZero();
    assertThat(p.backoff(1)).isEqualTo(Duration.ofSeconds(1));
    assertThat(p.backoff(2)).isEqualTo(Duration.ofSeconds(2));
    assertThat(p.backoff(4)).isEqualTo(Duration.ofSeconds(8));
    assertThat(p.backoff(5)).isEqualTo(Duration.ofSeconds(10));
    assertThat(p.backoff(500)).isEqualTo(Duration.ofSeconds(10));
  }

  @Test
  void presetsMirrorKubernetesAndDocker() {
    assertThat(RestartPolicy.kubernetesLike().backoff(1)).isEqualTo(Duration.ofSeconds(10));
    assertThat(RestartPolicy.kubernetesLike().backoff(20)).isEqualTo(Duration.ofMinutes(5));
    assertThat(RestartPolicy.dockerLike().backoff(1)).isEqualTo(Duration.ofMillis(100));
    assertThat(RestartPolicy.defaults().withMode(RestartPolicy.Mode.ON_FAILURE).restarts(false)).isFalse();
    assertThat(RestartPolicy.defaults().withMode(RestartPolicy.Mode.NEVER).restarts(true)).isFalse();
  }

  @Test
  void priorityReplacesNothingWhilePlacementRulesChangeTheHashOnlyWhenSet() {
    ServiceSpec plain = ServiceSpec.builder("x").image("i").build();
    ServiceSpec urgent = plain.toBuilder().priority(100).build();
    assertThat(urgent.specHash()).isEqualTo(plain.specHash());
    assertThat(urgent).isNotEqualTo(plain);
    assertThat(urgent.toBuilder().build()).isEqualTo(urgent);
    assertThat(plain.toBuilder().maxPerNode(0).build().specHash()).isEqualTo(plain.specHash());
    assertThat(plain.toBuilder().maxPerNode(1).build().specHash()).isNotEqualTo(plain.specHash());
    assertThat(plain.toBuilder().antiAffinity("x").build().specHash()).isNotEqualTo(plain.specHash());
    assertThat(plain.toBuilder().toleration(dev.orchestrator.spec.Toleration.any("gpu")).build().specHash())
        .isNotEqualTo(plain.specHash());
  }

  /** Replicas carry their spec's hash as a label: a new version must give an existing spec the same hash. */
  @Test
  void hashesOfExistingSpecsNeverChange() {
    ServiceSpec minimal = ServiceSpec.builder("web").image("busybox:1").build();
    ServiceSpec full = minimal.toBuilder().command("sh", "-c", "x").env("B", "2").env("A", "1").label("z", "y")
        .label("a", "b").port(8080).readiness(HealthCheck.tcp(8080)).mount(MountSpec.volume("data", "/data"))
        .network("n1").stopGracePeriod(Duration.ofSeconds(3)).workingDir("/w").priority(5).replicas(7).build();
    ServiceSpec placed = full.toBuilder().toleration(new Toleration("k", "v")).antiAffinity("b", "a", "web").maxPerNode(2)
        .liveness(HealthCheck.tcp(8080)).build();
    assertThat(minimal.specHash()).isEqualTo("ad1086e11244");
    assertThat(full.specHash()).isEqualTo("d26c39c7695a");
    assertThat(placed.specHash()).isEqualTo("a2897ce2d322");
  }
}
