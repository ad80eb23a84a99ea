package dev.orchestrator.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.orchestrator.Orchestrator;
import dev.orchestrator.event.OrchestratorEvent;
import dev.orchestrator.registry.Endpoint;
import dev.orchestrator.runtime.OwnerLabels;
import dev.orchestrator.spec.HealthCheck;
import dev.orchestrator.spec.ServiceSpec;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Engine faults against a second, real Docker Engine in its own network namespace: the
 * orchestrator survives the engine's death without crashing or spinning, and converges back to
 * exactly the declared replicas when the engine returns with the old containers exited.
 */
class DockerEngineFaultTest {
  private static final Logger log = LoggerFactory.getLogger(DockerEngineFaultTest.class);
  private static final Duration OUTAGE = Duration.ofSeconds(12);
  private static final int MAX_FAILURES_PER_SECOND = 5;
  private static final int MAX_PASSES_PER_SECOND = 20;

  private final String instance = "fault-" + DockerTestEngine.randomId();
  private final List<OrchestratorEvent> events = new CopyOnWriteArrayList<>();
  private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
  private SecondEngine engine;
  private DockerRuntime runtime;
  private Orchestrator orchestrator;

  @BeforeEach
  void startSecondEngine() {
    String image = DockerTestEngine.image();
    engine = SecondEngine.start();
    engine.load(image);
    runtime = DockerRuntime.builder().dockerHost(engine.host()).nodeName("second")
        .connectTimeout(Duration.ofSeconds(2)).responseTimeout(Duration.ofSeconds(10)).instanceId(instance).build();
    orchestrator = Orchestrator.builder().instanceId(instance).node(runtime)
        .callTimeout(Duration.ofSeconds(15)).resyncInterval(Duration.ofSeconds(2))
        .retryBackoff(Duration.ofMillis(200), Duration.ofSeconds(5))
        .meterRegistry(meters).eventListener(events::add).build();
  }

  @AfterEach
  void cleanUp() {
    log.info("events:\n  {}", String.join("\n  ", events.stream().map(OrchestratorEvent::toString).toList()));
    try {
      if (engine != null) {
        engine.partition(false); // so that closing removes the containers instead of waiting on timeouts
      }
      if (orchestrator != null) {
        orchestrator.close();
      }
    } finally {
      try {
        if (runtime != null) {
          runtime.close();
        }
      } finally {
        if (engine != null) {
          engine.close();
        }
      }
    }
  }

  @Test
  void a_stopped_engine_is_retried_with_backoff_and_the_service_converges_without_duplicates_when_it_returns()
      throws InterruptedException {
    runTwoReadyReplicas();

    engine.stopDaemon();
    assertOutageIsReportedWithoutSpinning();

    engine.startDaemon(); // same data root: the old containers come back exited
    assertConvergesToTwoReadyReplicas();
  }

  @Test
  void a_partitioned_engine_keeps_its_replicas_and_none_is_duplicated_when_the_network_heals()
      throws InterruptedException {
    List<String> before = runTwoReadyReplicas();

    engine.partition(true);
    assertOutageIsReportedWithoutSpinning();
    assertThat(runningContainers()).containsExactlyInAnyOrderElementsOf(before);

    engine.partition(false);
    assertConvergesToTwoReadyReplicas();
    assertThat(runningContainers()).as("the replicas that ran through the partition are kept")
        .containsExactlyInAnyOrderElementsOf(before);
  }

  /** Declares a 2-replica httpd, waits for it, and returns its running containers. */
  private List<String> runTwoReadyReplicas() throws InterruptedException {
    ServiceSpec web = DockerTestSupport.httpd("web").toBuilder().replicas(2)
        .readiness(HealthCheck.http(8080, "/hostname").withInterval(Duration.ofMillis(500))).build();
    orchestrator.apply(web);
    orchestrator.awaitReady("web", Duration.ofSeconds(60));
    List<String> running = runningContainers();
    assertThat(running).hasSize(2);
    assertThat(orchestrator.registry().lookup("web").endpoints()).extracting(Endpoint::host)
        .containsOnly(engine.address());
    return running;
  }

  /**
   * The replicas are withdrawn and reported, and for {@link #OUTAGE} the orchestrator keeps
   * trying at a bounded rate: ReconcileFailed events and reconcile passes per second are counted.
   */
  private void assertOutageIsReportedWithoutSpinning() {
    await().atMost(Duration.ofSeconds(40)).untilAsserted(() -> {
      assertThat(orchestrator.status("web").readyReplicas()).isZero();
      assertThat(orchestrator.registry().lookup("web").endpoints()).isEmpty();
    });
    List<Long> passTotals = new CopyOnWriteArrayList<>();
    long outageStart = System.currentTimeMillis();
    await().during(OUTAGE).atMost(OUTAGE.plusSeconds(10)).pollInterval(Duration.ofSeconds(1)).until(() -> {
      passTotals.add(reconcilePasses());
      return orchestrator.status("web").readyReplicas() == 0;
    });
    List<Long> passes = perInterval(passTotals);
    List<Long> failures = failuresPerSecond(outageStart, System.currentTimeMillis());
    log.info("during the outage, per second: ReconcileFailed {}, reconcile passes {}; status {}", failures, passes,
        orchestrator.status("web"));
    assertThat(failures).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(MAX_FAILURES_PER_SECOND));
    assertThat(passes).allSatisfy(n -> assertThat(n).isLessThanOrEqualTo(MAX_PASSES_PER_SECOND));
    assertThat(orchestrator.status("web").replicas()).as("every replica names the node that failed it")
        .allSatisfy(r -> assertThat(r.lastError()).contains("second"));
  }

  private void assertConvergesToTwoReadyReplicas() throws InterruptedException {
    orchestrator.awaitReady("web", Duration.ofSeconds(90));
    await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
      assertThat(runningContainers()).hasSize(2);
      assertThat(orchestrator.status("web").readyReplicas()).isEqualTo(2);
      assertThat(orchestrator.registry().lookup("web").endpoints()).hasSize(2);
    });
    orchestrator.resync();
    await().during(Duration.ofSeconds(3)).atMost(Duration.ofSeconds(10))
        .until(() -> runningContainers().size() == 2);
  }

  /** Running containers of this test's instance, as the second engine lists them on its unix socket. */
  private List<String> runningContainers() {
    String out = engine.docker("ps", "-q", "--no-trunc", "--filter", "label=" + OwnerLabels.INSTANCE + "=" + instance);
    return out.isBlank() ? List.of() : out.lines().toList();
  }

  /** ReconcileFailed events in each wall-clock second of [from, to). */
  private List<Long> failuresPerSecond(long fromMillis, long toMillis) {
    List<Long> counts = new ArrayList<>();
    for (long second = fromMillis; second < toMillis; second += 1000) {
      long start = second;
      counts.add(events.stream().filter(e -> e instanceof OrchestratorEvent.ReconcileFailed)
          .map(e -> e.time().toEpochMilli()).filter(t -> t >= start && t < start + 1000).count());
    }
    return counts;
  }

  private static List<Long> perInterval(List<Long> totals) {
    List<Long> out = new ArrayList<>();
    for (int i = 1; i < totals.size(); i++) {
      out.add(totals.get(i) - totals.get(i - 1));
    }
    return out;
  }

  private long reconcilePasses() {
    return meters.find("orchestrator.reconcile.duration").timers().stream().mapToLong(Timer::count).sum();
  }
}
