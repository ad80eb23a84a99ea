package dev.orchestrator.storage.docker;

import static dev.orchestrator.docker.DockerTestEngine.docker;
import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestrator.docker.DockerTestEngine;
import dev.orchestrator.event.OrchestratorEvent;
import dev.orchestrator.runtime.OwnerLabels;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Volumes across JVMs: a child JVM ({@link VolumeAdoptionChild}) runs a service with per-replica
 * volumes and closes; an orchestrator built here with the same instance id re-adopts the very
 * same volumes (not re-created) and its new replicas find every byte the first life wrote.
 */
class DockerVolumeAdoptionTest {
  private final String instance = "adopt-" + DockerTestEngine.randomId();
  private final String volume = "state" + DockerTestEngine.randomId();
  private final String token = "token-" + DockerTestEngine.randomId();
  private StorageE2e second;
  private Process child;
  private Path log;

  @AfterEach
  void cleanUp() throws Exception {
    if (child != null && child.isAlive()) {
      child.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
    }
    if (log != null) {
      Files.deleteIfExists(log);
    }
    if (second != null) {
      second.close();
    }
  }

  @Test
  void anOrchestratorRestartedInANewJvmReAdoptsItsVolumesAndNothingIsLost() throws Exception {
    List<String> births = firstLifeInAChildJvm();
    assertThat(child.exitValue()).isZero();
    assertThat(docker("ps", "-aq", "--filter", "label=" + OwnerLabels.INSTANCE + "=" + instance))
        .as("close() of the first life removed its containers").isEmpty();
    String created0 = docker("volume", "inspect", "-f", "{{.CreatedAt}}", volume + "-db-0");
    assertThat(docker("volume", "ls", "-q", "--filter", "label=" + OwnerLabels.INSTANCE + "=" + instance).lines())
        .as("retained volumes kept, the DELETE one removed").containsExactlyInAnyOrder(volume + "-db-0", volume + "-db-1");

    second = new StorageE2e(instance);
    second.orchestrator.apply(VolumeAdoptionChild.cache(volume + "-cache"));
    second.orchestrator.apply(VolumeAdoptionChild.db(DockerTestEngine.image(), volume, volume + "-cache", "other-token"));
    second.orchestrator.awaitReady("db", StorageE2e.READY);

    for (int slot = 0; slot < 2; slot++) {
      String c = second.container("db", slot);
      assertThat(second.output(c, "cat /data/born")).as("slot %d's data", slot).isEqualTo(births.get(slot));
      assertThat(second.output(c, "cat /data/token")).isEqualTo(token);
      assertThat(second.output(c, "cat /data/lives").lines()).as("one line per life").hasSize(2);
    }
    assertThat(docker("volume", "inspect", "-f", "{{.CreatedAt}}", volume + "-db-0")).as("the same volume, adopted")
        .isEqualTo(created0);
    assertThat(second.events(OrchestratorEvent.ReconcileFailed.class)).isEmpty();
  }

  private List<String> firstLifeInAChildJvm() throws IOException, InterruptedException {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    log = Files.createTempFile("volume-adoption-child-", ".log");
    child = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"), VolumeAdoptionChild.class.getName(),
        instance, DockerTestEngine.image(), volume, token)
        .redirectError(log.toFile()).start();
    String out;
    try (var stdout = child.getInputStream()) {
      // the child prints one READY line, then closes and exits by itself
      if (!child.waitFor(90, TimeUnit.SECONDS)) {
        child.destroyForcibly();
        throw new AssertionError("the child JVM did not finish within 90 s; its log:\n" + Files.readString(log));
      }
      out = new String(stdout.readAllBytes(), StandardCharsets.UTF_8);
    }
    String ready = out.lines().filter(l -> l.startsWith("READY ")).findFirst()
        .orElseThrow(() -> new AssertionError("the child JVM did not report READY; stdout:\n" + out + "\nlog:\n" + readQuietly()));
    return List.of(ready.substring("READY ".length()).split(","));
  }

  private String readQuietly() {
    try {
      return Files.readString(log);
    } catch (IOException e) {
      return "(unreadable: " + e + ")";
    }
  }
}
