package dev.orchestrator.docker;

import static dev.orchestrator.docker.E2eSupport.get;
import static dev.orchestrator.docker.E2eSupport.owned;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.orchestrator.Orchestrator;
import dev.orchestrator.event.OrchestratorEvent;
import dev.orchestrator.event.OrchestratorEvent.ReplicaRemoved;
import dev.orchestrator.event.OrchestratorEvent.ReplicaStarted;
import dev.orchestrator.registry.Endpoint;
import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.OwnerLabels;
import dev.orchestrator.spec.ServiceSpec;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Adoption across JVMs: a child JVM ({@link AdoptionChild}) starts services with
 * {@code keepOnClose(true)} and exits, or is killed with SIGKILL; an orchestrator built here with
 * the same instance id keeps what matches the re-declared spec, replaces what changed, and removes
 * what is not re-declared once the orphan grace period has passed.
 */
class DockerAdoptionTest {
  private static final Duration READY = Duration.ofSeconds(30);
  private static final Duration ORPHAN_GRACE = Duration.ofSeconds(2);
  private static DockerRuntime observer;
  private static String image;

  private final E2eSupport.Events events = new E2eSupport.Events();
  private String instance;
  private DockerRuntime node;
  private Orchestrator orchestrator;
  private Process child;
  private Path childLog;

  @BeforeAll
  static void engine() {
    image = DockerTestEngine.image();
    observer = DockerTestEngine.runtimeBuilder().build();
  }

  @AfterAll
  static void closeObserver() {
    if (observer != null) {
      observer.close();
    }
  }

  @BeforeEach
  void name() {
    instance = E2eSupport.instanceId();
  }

  @AfterEach
  void cleanUp() throws InterruptedException, IOException {
    try {
      if (child != null && child.isAlive()) {
        child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
      }
      if (orchestrator != null) {
        orchestrator.close();
        assertThat(owned(observer, instance)).as("containers left by close() of %s", instance).isEmpty();
      }
    } finally {
      if (childLog != null) {
        java.nio.file.Files.deleteIfExists(childLog);
      }
      E2eSupport.removeOwned(observer, instance);
      if (node != null) {
        node.close();
      }
    }
  }

  @Test
  void after_a_clean_exit_the_same_spec_keeps_every_container_and_an_undeclared_service_is_removed_after_the_grace_period()
      throws Exception {
    Set<String> first = runChild("exit");
    assertThat(child.waitFor(20, TimeUnit.SECONDS)).as("child exited").isTrue();
    assertThat(child.exitValue()).isZero();
    Set<String> web = ids("web");
    assertThat(ids(null)).as("kept on close by the first life").isEqualTo(first);
    assertThat(web).hasSize(2);
    assertThat(ids("extra")).hasSize(1);

    Instant built = Instant.now();
    secondLife();
    orchestrator.apply(AdoptionChild.web(image));
    orchestrator.awaitReady("web", READY);
    assertThat(ids("web")).as("adopted, not replaced").isEqualTo(web);

    await().atMost(READY).untilAsserted(() -> assertThat(ids("extra")).as("orphan removed").isEmpty());
    await().atMost(READY).untilAsserted(() -> assertThat(events.of(ReplicaRemoved.class)).singleElement().satisfies(r -> {
      assertThat(r.replica()).isEqualTo("extra-0");
      assertThat(r.reason()).contains("orphan");
      assertThat(Duration.between(built, r.time())).as("removed only after the grace period").isGreaterThanOrEqualTo(ORPHAN_GRACE);
    }));
    orchestrator.resync();
    orchestrator.awaitReady("web", READY);
    assertThat(ids("web")).isEqualTo(web);
    assertThat(events.of(ReplicaStarted.class)).as("nothing created").isEmpty();
    assertThat(orchestrator.registry().lookup("web").endpoints()).hasSize(2)
        .allSatisfy(e -> assertThat(get(e.host(), e.port("http"), "/hostname")).isEqualTo(200));
  }

  @Test
  void after_a_kill_9_the_same_spec_keeps_every_container_and_a_changed_spec_replaces_them() throws Exception {
    Set<String> first = runChild("hang");
    child.destroyForcibly();
    assertThat(child.waitFor(10, TimeUnit.SECONDS)).as("child killed").isTrue();
    Set<String> web = ids("web");
    assertThat(ids(null)).isEqualTo(first);

    secondLife();
    ServiceSpec same = AdoptionChild.web(image);
    orchestrator.apply(same);
    orchestrator.apply(AdoptionChild.extra(image));
    orchestrator.awaitReady("web", READY);
    orchestrator.awaitReady("extra", READY);
    orchestrator.resync();
    orchestrator.awaitReady("web", READY);
    assertThat(ids(null)).as("every container adopted, none created or removed").isEqualTo(first);
    assertThat(events.of(ReplicaStarted.class)).isEmpty();
    assertThat(events.of(ReplicaRemoved.class)).isEmpty();
    assertThat(orchestrator.registry().lookup("web").endpoints()).extracting(Endpoint::id).containsExactly("web-0", "web-1");

    ServiceSpec changed = same.toBuilder().env("VERSION", "2").build();
    orchestrator.apply(changed);
    orchestrator.awaitReady("web", READY);
    await().atMost(READY).untilAsserted(() -> assertThat(owned(observer, instance, "web")).hasSize(2)
        .allSatisfy(c -> {
          assertThat(c.label(OwnerLabels.SPEC_HASH)).isEqualTo(changed.specHash());
          assertThat(web).doesNotContain(c.id());
        }));
    await().atMost(READY).untilAsserted(() -> assertThat(events.of(ReplicaRemoved.class))
        .extracting(ReplicaRemoved::replica).containsExactlyInAnyOrder("web-0", "web-1"));
    assertThat(events.of(OrchestratorEvent.ReplicaRemoved.class)).allSatisfy(r -> assertThat(r.reason()).contains("spec changed"));
  }

  /** Builds the second life: same instance id, short orphan grace period, removes everything on close. */
  private void secondLife() {
    node = DockerTestEngine.runtimeBuilder().instanceId(instance).build();
    orchestrator = Orchestrator.builder()
        .instanceId(instance)
        .node(node)
        .orphanGracePeriod(ORPHAN_GRACE)
        .callTimeout(Duration.ofSeconds(15))
        .resyncInterval(Duration.ofSeconds(2))
        .eventListener(events::add)
        .build();
  }

  /** Ids of the instance's containers (of one service, or all for null). */
  private Set<String> ids(String service) {
    List<ContainerInfo> list = service == null ? owned(observer, instance) : owned(observer, instance, service);
    return list.stream().map(ContainerInfo::id).collect(Collectors.toSet());
  }

  /** Starts the first life in a new JVM and returns the container ids it printed once ready. */
  private Set<String> runChild(String mode) throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    Path log = Path.of(System.getProperty("java.io.tmpdir"), "adoption-child-" + instance + ".log");
    childLog = log;
    child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
        AdoptionChild.class.getName(), instance, image, mode)
        .redirectError(log.toFile())
        .start();
    CompletableFuture<String> ready = CompletableFuture.supplyAsync(() -> {
      try (BufferedReader out = new BufferedReader(new InputStreamReader(child.getInputStream(), StandardCharsets.UTF_8))) {
        for (String line = out.readLine(); line != null; line = out.readLine()) {
          if (line.startsWith("READY ")) {
            return line.substring("READY ".length());
          }
        }
        return null;
      } catch (IOException e) {
        return null;
      }
    });
    String line;
    try {
      line = ready.get(60, TimeUnit.SECONDS);
    } catch (ExecutionException | TimeoutException e) {
      line = null;
    }
    if (line == null) {
      child.destroyForcibly();
      throw new AssertionError("the child JVM did not report READY; its output:\n" + readQuietly(log));
    }
    return Arrays.stream(line.split(",")).collect(Collectors.toSet());
  }

  private static String readQuietly(Path p) {
    try {
      return java.nio.file.Files.readString(p);
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }
}
