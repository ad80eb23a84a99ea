package dev.orchestrator.storage.docker;

import static dev.orchestrator.docker.DockerTestEngine.docker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;
import static org.awaitility.Awaitility.await;

import dev.orchestrator.docker.DockerTestEngine;
import dev.orchestrator.event.OrchestratorEvent;
import dev.orchestrator.runtime.ExecResult;
import dev.orchestrator.runtime.OwnerLabels;
import dev.orchestrator.spec.MountSpec;
import dev.orchestrator.spec.ServiceSpec;
import dev.orchestrator.spec.ValidationException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Bind mounts and foreign volumes with a whole orchestrator on the real engine: dangerous host
 * paths are refused before anything is created (the engine's data directory comes from
 * {@code docker info}), a safe read-only bind works, and a volume name held by someone else is
 * never mounted.
 */
class DockerMountSafetyTest {
  private final StorageE2e e2e = new StorageE2e();
  @TempDir
  Path dir;

  @AfterEach
  void cleanUp() {
    e2e.close();
  }

  private static ServiceSpec.Builder sleeper(String name) {
    return ServiceSpec.builder(name).image(DockerTestEngine.image()).command("sleep", "300").stopGracePeriod(Duration.ofSeconds(1));
  }

  private String owned() {
    return docker("ps", "-aq", "--filter", "label=" + OwnerLabels.INSTANCE + "=" + e2e.instance);
  }

  @Test
  void theEnginesDataDirectoryAndASymlinkToEtcAreRefusedBeforeAnythingIsCreated() throws IOException {
    String dataDir = e2e.node.engineDataDirectory();
    assertThat(dataDir).isEqualTo(docker("info", "-f", "{{.DockerRootDir}}"));
    ValidationException engine = catchThrowableOfType(ValidationException.class, () -> e2e.orchestrator.apply(
        sleeper("peek").mount(MountSpec.bind(dataDir + "/volumes", "/host")).build()));
    assertThat(engine.violations()).singleElement().satisfies(v -> {
      assertThat(v.path()).isEqualTo("mounts[0].source");
      assertThat(v.message()).contains("engine's data directory " + dataDir);
    });

    Path link = Files.createSymbolicLink(dir.resolve("innocent"), Path.of("/etc"));
    ValidationException etc = catchThrowableOfType(ValidationException.class, () -> e2e.orchestrator.apply(
        sleeper("peek").mount(MountSpec.bind(link.toString(), "/host")).build()));
    assertThat(etc).hasMessageContaining("mounts[0].source").hasMessageContaining(link.toString())
        .hasMessageContaining("resolves to /etc").hasMessageContaining("host system directory /etc");

    assertThat(e2e.orchestrator.services()).isEmpty();
    assertThat(owned()).isEmpty();
  }

  @Test
  void aReadOnlyBindOfASafeDirectoryIsReadableAndRefusesWrites() throws Exception {
    Files.writeString(dir.resolve("config.txt"), "from the host");
    e2e.orchestrator.apply(sleeper("reader").mount(MountSpec.bind(dir.toString(), "/config").asReadOnly()).build());
    e2e.orchestrator.awaitReady("reader", StorageE2e.READY);
    String reader = e2e.container("reader", 0);

    assertThat(e2e.output(reader, "cat /config/config.txt")).isEqualTo("from the host");
    ExecResult write = e2e.exec(reader, "echo x > /config/new.txt");
    assertThat(write.exitCode()).isNotZero();
    assertThat(write.stderr()).contains("Read-only file system");
    assertThat(dir.resolve("new.txt")).doesNotExist();
  }

  @Test
  void aVolumeNameHeldByAnotherOwnerIsNeverMountedAndLeftAlone() {
    String name = "foreign-" + DockerTestEngine.randomId();
    docker("volume", "create", "--label", "team=payments", name);
    try {
      e2e.orchestrator.apply(sleeper("thief").mount(MountSpec.volume(name, "/data")).build());

      await().atMost(StorageE2e.READY).untilAsserted(() -> assertThat(e2e.events(OrchestratorEvent.ReconcileFailed.class))
          .anySatisfy(f -> assertThat(f.error()).contains(name).contains("not owned by this orchestrator")));
      assertThat(owned()).as("no container was created").isEmpty();
      assertThat(docker("volume", "inspect", "-f", "{{json .Labels}}", name)).isEqualTo("{\"team\":\"payments\"}");
    } finally {
      e2e.orchestrator.delete("thief");
      docker("volume", "rm", name);
    }
  }
}
