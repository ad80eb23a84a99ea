package dev.orchestrator;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestrator.event.OrchestratorEvent;
import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.OwnerLabels;
import dev.orchestrator.runtime.SelfProbing.Purpose;
import dev.orchestrator.spec.HealthCheck;
import dev.orchestrator.spec.ServiceSpec;
import dev.orchestrator.spec.UpdatePolicy;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.search.Search;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Health-check timings (interval, timeout, thresholds, delays) are not in the spec hash: applying
 * new ones replaces no replica, and the running replicas' probes follow them. A new check target
 * still rolls the replicas.
 */
class HealthTimingUpdateSimulationTest {
  private static final Duration STEP = Duration.ofMillis(250);

  /** One probe the orchestrator sent to a simulated node: which container, with what check, at what clock instant. */
  private record Probe(String container, HealthCheck check, Purpose purpose, Instant at) {}

  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private final List<Probe> probes = new CopyOnWriteArrayList<>();
  /** When set, the next probe waits for it (a probe in flight), after counting down {@link #held}. */
  private volatile CountDownLatch gate;
  private final CountDownLatch held = new CountDownLatch(1);
  private SimHarness h;

  @AfterEach
  void close() {
    CountDownLatch g = gate;
    if (g != null) {
      g.countDown();
    }
    if (h != null) {
      h.close();
    }
  }

  private SimHarness harness() {
    h = new SimHarness(c -> c, b -> b.meterRegistry(meters), node -> SimHarness.watchedCalls(node, (method, args) -> {
      if (method.equals("probe")) {
        probes.add(new Probe((String) args[0], (HealthCheck) args[1], (Purpose) args[2], h.clock.instant()));
        CountDownLatch g = gate;
        if (g != null) {
          gate = null;
          held.countDown();
          g.await(10, TimeUnit.SECONDS);
        }
      }
    }));
    return h;
  }

  private static ServiceSpec.Builder web(int replicas) {
    return ServiceSpec.builder("web").image("web:1").port(8080).replicas(replicas);
  }

  private static HealthCheck everySecond(HealthCheck check) {
    return check.withInterval(Duration.ofSeconds(1));
  }

  private long passes() {
    return Search.in(meters).name("orchestrator.reconcile.duration").timers().stream().mapToLong(Timer::count).sum();
  }

  /** Applies the spec and waits (real time) for the reconcile pass it queues. */
  private void applyAndAwaitPass(ServiceSpec spec) {
    long before = passes();
    h.orchestrator.apply(spec);
    h.await(() -> passes() > before);
  }

  private List<Probe> probesOf(String containerId, Purpose purpose) {
    return probes.stream().filter(p -> p.container().equals(containerId) && p.purpose() == purpose).toList();
  }

  private Set<String> runningIds() {
    return h.running("web").stream().map(ContainerInfo::id).collect(Collectors.toSet());
  }

  /** Moves the clock forward in steps, letting each due probe run and schedule its next one. */
  private void advance(Duration total) throws InterruptedException {
    for (long i = 0; i < total.dividedBy(STEP); i++) {
      h.clock.advance(STEP);
      Thread.sleep(5);
    }
  }

  @Test
  void a_lower_liveness_failure_threshold_restarts_a_running_replica_after_the_new_count() {
    harness();
    ServiceSpec before = web(1).liveness(everySecond(HealthCheck.tcp(8080)).withThresholds(1, 5)).build();
    h.orchestrator.apply(before);
    h.converge(() -> h.ready("web", 1));
    ContainerInfo sick = h.running("web").get(0);
    ServiceSpec after = before.toBuilder().liveness(everySecond(HealthCheck.tcp(8080)).withThresholds(1, 2)).build();
    assertThat(after.specHash()).isEqualTo(before.specHash());
    applyAndAwaitPass(after);

    h.cluster.setLive(sick.id(), false);
    int failed = probesOf(sick.id(), Purpose.LIVENESS).size();
    h.converge(STEP, () -> probesOf(sick.id(), Purpose.LIVENESS).size() >= failed + 2);
    h.await(() -> !runningIds().contains(sick.id())); // the clock stands still: 2 failures stopped it, not 5

    assertThat(probesOf(sick.id(), Purpose.LIVENESS)).hasSize(failed + 2);
    h.eventually(() -> assertThat(h.events(OrchestratorEvent.ReplicaFailed.class)).singleElement()
        .satisfies(f -> assertThat(f.reason()).isEqualTo("liveness check failed")));
  }

  @Test
  void a_lower_readiness_failure_threshold_withdraws_a_running_replica_after_the_new_count() {
    harness();
    ServiceSpec before = web(1).readiness(everySecond(HealthCheck.http(8080, "/ready")).withThresholds(1, 5)).build();
    h.orchestrator.apply(before);
    h.converge(() -> h.ready("web", 1));
    ContainerInfo c = h.running("web").get(0);
    applyAndAwaitPass(before.toBuilder().readiness(everySecond(HealthCheck.http(8080, "/ready")).withThresholds(1, 2)).build());

    h.cluster.setReady(c.id(), false);
    int failed = probesOf(c.id(), Purpose.READINESS).size();
    h.converge(STEP, () -> probesOf(c.id(), Purpose.READINESS).size() >= failed + 2);
    h.await(() -> h.orchestrator.registry().lookup("web").isEmpty());

    assertThat(probesOf(c.id(), Purpose.READINESS)).hasSize(failed + 2);
    assertThat(runningIds()).containsExactly(c.id());
    h.eventually(() -> assertThat(h.events(OrchestratorEvent.ReplicaUnready.class)).hasSize(1));
  }

  @Test
  void a_longer_interval_applied_while_a_probe_is_in_flight_leaves_one_probe_per_interval() throws InterruptedException {
    harness();
    ServiceSpec before = web(1).readiness(everySecond(HealthCheck.http(8080, "/ready"))).build();
    h.orchestrator.apply(before);
    h.converge(() -> h.ready("web", 1));
    String id = h.running("web").get(0).id();
    gate = new CountDownLatch(1);
    CountDownLatch release = gate;
    h.converge(STEP, () -> held.getCount() == 0); // a probe runs and waits
    applyAndAwaitPass(before.toBuilder().readiness(HealthCheck.http(8080, "/ready").withInterval(Duration.ofSeconds(10))).build());
    release.countDown(); // it finishes with the old settings and schedules the next probe with the new ones
    int atSwitch = probesOf(id, Purpose.READINESS).size();

    advance(Duration.ofMinutes(1));

    List<Probe> after = probesOf(id, Purpose.READINESS).subList(atSwitch, probesOf(id, Purpose.READINESS).size());
    assertThat(after).hasSizeBetween(5, 6); // one per 10 s over a minute (60 at the old interval)
    for (int i = 1; i < after.size(); i++) { // one chain: no probe closer than an interval to the one before
      assertThat(Duration.between(after.get(i - 1).at(), after.get(i).at())).isGreaterThanOrEqualTo(Duration.ofSeconds(10));
    }
    assertThat(h.ready("web", 1)).isTrue();
  }

  @Test
  void a_shorter_initial_delay_applied_before_the_first_probe_brings_that_probe_forward() {
    harness();
    ServiceSpec before = web(1).readiness(everySecond(HealthCheck.http(8080, "/ready")).withInitialDelay(Duration.ofMinutes(5))).build();
    h.orchestrator.apply(before);
    h.converge(() -> h.running("web").size() == 1);
    Instant started = h.running("web").get(0).startedAt();
    applyAndAwaitPass(before.toBuilder().readiness(everySecond(HealthCheck.http(8080, "/ready")).withInitialDelay(Duration.ofSeconds(3))).build());

    h.converge(() -> h.ready("web", 1));

    assertThat(probes).first().satisfies(p -> assertThat(Duration.between(started, p.at())) // not 5 min: the clock moves on while it runs
        .isBetween(Duration.ofSeconds(3), Duration.ofSeconds(30)));
  }

  @Test
  void new_timings_replace_no_replica_and_their_probes_follow_them() throws InterruptedException {
    harness();
    ServiceSpec before = web(2).liveness(everySecond(HealthCheck.tcp(8080)))
        .readiness(everySecond(HealthCheck.http(8080, "/ready"))).build();
    h.orchestrator.apply(before);
    h.converge(() -> h.ready("web", 2));
    Set<String> ids = runningIds();
    ServiceSpec after = before.toBuilder()
        .liveness(HealthCheck.tcp(8080).withInterval(Duration.ofSeconds(5)).withTimeout(Duration.ofSeconds(2)).withThresholds(1, 4))
        .readiness(HealthCheck.http(8080, "/ready").withInterval(Duration.ofSeconds(5)).withThresholds(2, 2)).build();
    applyAndAwaitPass(after);
    int[] atSwitch = ids.stream().flatMap(id -> List.of(Purpose.LIVENESS, Purpose.READINESS).stream()
        .map(p -> probesOf(id, p).size())).mapToInt(Integer::intValue).toArray();

    advance(Duration.ofSeconds(30));

    assertThat(runningIds()).isEqualTo(ids);
    assertThat(h.running("web")).allSatisfy(c -> assertThat(c.label(OwnerLabels.SPEC_HASH)).isEqualTo(after.specHash()));
    assertThat(h.events(OrchestratorEvent.ReplicaRemoved.class)).isEmpty();
    assertThat(h.events(OrchestratorEvent.ReplicaStarted.class)).hasSize(2);
    int i = 0;
    for (String id : ids) {
      for (Purpose p : List.of(Purpose.LIVENESS, Purpose.READINESS)) {
        assertThat(probesOf(id, p).size() - atSwitch[i++]).as(p + " probes of " + id).isBetween(5, 7); // 30 at the old interval
      }
    }
    assertThat(h.ready("web", 2)).isTrue();
  }

  @Test
  void a_new_readiness_path_still_rolls_the_replicas_and_old_ones_keep_their_own_check() {
    harness();
    ServiceSpec before = web(2).readiness(everySecond(HealthCheck.http(8080, "/ready")))
        .updatePolicy(UpdatePolicy.defaults().toBuilder().minReady(Duration.ofSeconds(5)).build()).build(); // old ones probed meanwhile
    h.orchestrator.apply(before);
    h.converge(() -> h.ready("web", 2));
    Set<String> old = runningIds();
    Instant applied = h.clock.instant();
    ServiceSpec after = before.toBuilder().readiness(HealthCheck.http(8080, "/healthz").withInterval(Duration.ofSeconds(2))).build();
    assertThat(after.specHash()).isNotEqualTo(before.specHash());
    assertThat(before.toBuilder().readiness(null).build().specHash()).isNotEqualTo(before.specHash()); // removed
    assertThat(before.toBuilder().liveness(HealthCheck.tcp(8080)).build().specHash()).isNotEqualTo(before.specHash()); // added

    h.orchestrator.apply(after);
    h.converge(() -> h.ready("web", 2) && h.all("web").stream()
        .allMatch(c -> c.label(OwnerLabels.SPEC_HASH).equals(after.specHash()) && !old.contains(c.id())));

    h.eventually(() -> assertThat(h.events(OrchestratorEvent.ReplicaRemoved.class)).hasSize(2));
    assertThat(probes).filteredOn(p -> old.contains(p.container()) && p.at().isAfter(applied)).isNotEmpty();
    assertThat(probes).filteredOn(p -> old.contains(p.container()))
        .allSatisfy(p -> assertThat(p.check().path()).isEqualTo("/ready"));
    assertThat(probes).filteredOn(p -> !old.contains(p.container())).isNotEmpty()
        .allSatisfy(p -> assertThat(p.check().path()).isEqualTo("/healthz"));
  }
}
