package dev.orchestrator.storage.docker;

import static dev.orchestrator.docker.DockerTestEngine.docker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.orchestrator.docker.DockerTestEngine;
import dev.orchestrator.event.OrchestratorEvent;
import dev.orchestrator.runtime.ExecResult;
import dev.orchestrator.runtime.OwnerLabels;
import dev.orchestrator.spec.HealthCheck;
import dev.orchestrator.spec.MountSpec;
import dev.orchestrator.spec.Resources;
import dev.orchestrator.spec.RestartPolicy;
import dev.orchestrator.spec.ServiceSpec;
import dev.orchestrator.spec.VolumeSpec;
import dev.orchestrator.storage.VolumeInfo;
import java.time.Duration;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Volumes, shared volumes, read-only and tmpfs mounts and retention with a whole orchestrator on
 * the real engine and the {@link DockerVolumeProvider}.
 */
class DockerStorageE2eTest {
  private final StorageE2e e2e = new StorageE2e();
  /** Volume names are global on the engine: each test's are unique. */
  private final String data = "data" + DockerTestEngine.randomId();
  private final String shared = "shared-" + DockerTestEngine.randomId();
  private final String keep = "keep-" + DockerTestEngine.randomId();
  private final String temp = "temp-" + DockerTestEngine.randomId();

  @AfterEach
  void cleanUp() {
    e2e.close();
  }

  private static ServiceSpec.Builder service(String name, String script) {
    return ServiceSpec.builder(name).image(DockerTestEngine.image()).command("sh", "-c", script)
        .restartPolicy(RestartPolicy.defaults().withBackoff(Duration.ofMillis(200), Duration.ofSeconds(1), 2.0))
        .stopGracePeriod(Duration.ofSeconds(1));
  }

  @Test
  void perReplicaVolumeDataSurvivesDockerKillAndReplacementWhileTmpfsDataIsGone() throws Exception {
    e2e.orchestrator.apply(service("db",
        "[ -f /data/id ] || head -c 32 /dev/urandom | sha256sum > /data/id; echo scratch > /scratch/f; exec sleep 300")
        .replicas(2)
        .mount(MountSpec.volume(data, "/data").asPerReplica())
        .mount(MountSpec.tmpfs("/scratch", 8 * Resources.MIB))
        .readiness(HealthCheck.exec("test", "-f", "/scratch/f").withInterval(Duration.ofMillis(300)))
        .build());
    e2e.orchestrator.awaitReady("db", StorageE2e.READY);
    String first = e2e.container("db", 0);
    String id0 = e2e.output(first, "cat /data/id");
    String id1 = e2e.output(e2e.container("db", 1), "cat /data/id");
    assertThat(id0).isNotEqualTo(id1);
    assertThat(e2e.output(first, "df -k /scratch | tail -1")).as("tmpfs size").contains("8192");
    e2e.output(first, "echo written-before-kill > /scratch/later");
    assertThat(e2e.volumes.list(OwnerLabels.ofInstance(e2e.instance))).extracting(VolumeInfo::name)
        .containsExactly(data + "-db-0", data + "-db-1");

    docker("kill", first);
    await().atMost(StorageE2e.READY).until(() -> e2e.readyContainer("db", 0).filter(c -> !c.equals(first)).isPresent());

    String replacement = e2e.container("db", 0);
    assertThat(e2e.output(replacement, "cat /data/id")).as("the slot's volume came back").isEqualTo(id0);
    assertThat(e2e.exec(replacement, "cat /scratch/later").exitCode()).as("tmpfs data is gone").isNotZero();
    assertThat(e2e.volumes.inspect(data + "-db-0").orElseThrow().usedBy()).containsExactly(replacement);
  }

  @Test
  void twoReplicasShareAVolumeAndAReadOnlyMountOfItRefusesWrites() throws Exception {
    e2e.orchestrator.apply(service("writer", "echo $HOSTNAME > /shared/$HOSTNAME; exec sleep 300").replicas(2)
        .mount(MountSpec.volume(shared, "/shared")).build());
    e2e.orchestrator.apply(service("reader", "exec sleep 300").mount(MountSpec.volume(shared, "/shared").asReadOnly()).build());
    e2e.orchestrator.awaitReady("writer", StorageE2e.READY);
    e2e.orchestrator.awaitReady("reader", StorageE2e.READY);
    String w0 = e2e.container("writer", 0);
    String w1 = e2e.container("writer", 1);

    await().atMost(StorageE2e.READY).untilAsserted(() -> assertThat(e2e.output(w0, "ls /shared").lines())
        .as("each writer sees the other's file").hasSize(2));
    e2e.output(w1, "echo from-1 > /shared/note");
    assertThat(e2e.output(w0, "cat /shared/note")).isEqualTo("from-1");

    String reader = e2e.container("reader", 0);
    assertThat(e2e.output(reader, "cat /shared/note")).isEqualTo("from-1");
    ExecResult write = e2e.exec(reader, "echo nope > /shared/nope");
    assertThat(write.exitCode()).isNotZero();
    assertThat(write.stderr()).contains("Read-only file system");
    assertThat(e2e.volumes.inspect(shared).orElseThrow().usedBy()).containsExactlyInAnyOrder(w0, w1, reader);
  }

  @Test
  void deletingAServiceKeepsRetainedVolumesRemovesDeleteOnesAndCloseNeverDeletesRetainedData() {
    e2e.orchestrator.apply(VolumeSpec.named(temp).withRetention(VolumeSpec.Retention.DELETE));
    e2e.orchestrator.apply(service("app", "echo kept > /keep/f; echo gone > /temp/f; exec sleep 300")
        .mount(MountSpec.volume(keep, "/keep")).mount(MountSpec.volume(temp, "/temp")).build());
    await().atMost(StorageE2e.READY).until(() -> e2e.volumes.inspect(keep).map(v -> !v.usedBy().isEmpty()).orElse(false)
        && e2e.volumes.inspect(temp).isPresent());
    assertThat(e2e.volumes.inspect(keep).orElseThrow().labels()).containsEntry(OwnerLabels.RETENTION, "retain");
    assertThat(e2e.volumes.inspect(temp).orElseThrow().labels()).containsEntry(OwnerLabels.RETENTION, "delete");

    e2e.orchestrator.delete("app");
    await().atMost(StorageE2e.READY).until(() -> e2e.volumes.inspect(temp).isEmpty());
    assertThat(e2e.volumes.inspect(keep)).isPresent();

    e2e.orchestrator.apply(service("app2", "exec sleep 300").mount(MountSpec.volume(keep, "/keep")).build());
    await().atMost(StorageE2e.READY).until(() -> e2e.events(OrchestratorEvent.ReplicaStarted.class).stream()
        .anyMatch(s -> s.service().equals("app2")));
    e2e.orchestrator.close();
    e2e.orchestrator = null;

    assertThat(docker("ps", "-aq", "--filter", "label=" + OwnerLabels.INSTANCE + "=" + e2e.instance)).isEmpty();
    assertThat(docker("run", "--rm", "-v", keep + ":/keep", DockerTestEngine.image(), "cat", "/keep/f"))
        .as("close() kept the retained volume and its data").isEqualTo("kept");
  }
}
