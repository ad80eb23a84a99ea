package dev.orchestrator.storage.docker;

import static dev.orchestrator.docker.DockerTestEngine.docker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orchestrator.NotOwnedException;
import dev.orchestrator.docker.DockerRuntime;
import dev.orchestrator.docker.DockerTestEngine;
import dev.orchestrator.runtime.OwnerLabels;
import dev.orchestrator.spec.VolumeSpec;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import org.apache.commons.compress.archivers.tar.TarArchiveEntry;
import org.apache.commons.compress.archivers.tar.TarArchiveInputStream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Snapshot, restore and copies of a volume's files on the real engine, through helper containers. */
class VolumeSnapshotsTest {
  private static DockerRuntime runtime;
  private final String instance = "snap-" + DockerTestEngine.randomId();
  private final Map<String, String> owner = OwnerLabels.ofInstance(instance);
  private final List<String> volumes = new ArrayList<>();
  private DockerVolumeProvider provider;
  private VolumeSnapshots snapshots;
  @TempDir
  Path dir;

  @BeforeAll
  static void engine() {
    DockerTestEngine.image();
    runtime = DockerTestEngine.runtimeBuilder().build();
  }

  @AfterAll
  static void closeEngine() {
    runtime.close();
  }

  @org.junit.jupiter.api.BeforeEach
  void setUp() {
    provider = new DockerVolumeProvider(runtime);
    snapshots = new VolumeSnapshots(runtime, instance).withHelperImage(DockerTestEngine.image());
  }

  @AfterEach
  void cleanUp() {
    assertThat(docker("ps", "-aq", "--filter", "label=" + OwnerLabels.INSTANCE + "=" + instance))
        .as("every helper container is removed").isEmpty();
    for (String v : volumes) {
      DockerTestEngine.tryDocker("volume", "rm", "-f", v);
    }
  }

  private String volume(String base) {
    String name = base + "-" + DockerTestEngine.randomId();
    volumes.add(name);
    provider.ensure(VolumeSpec.named(name), owner);
    return name;
  }

  /** Runs a shell script in a throwaway container mounting the volume at /v. */
  private static String inVolume(String volume, String script) {
    return docker("run", "--rm", "--label", StorageTestSupport.TEST_LABEL + "=" + StorageTestSupport.TEST_LABEL_VALUE,
        "-v", volume + ":/v", DockerTestEngine.image(), "sh", "-c", script);
  }

  /** Path to SHA-256 of every regular file of the volume, computed inside a container. */
  private static Map<String, String> checksums(String volume) {
    Map<String, String> sums = new TreeMap<>();
    String out = inVolume(volume, "cd /v && find . -type f -exec sha256sum {} +");
    for (String line : out.lines().toList()) {
      String[] parts = line.trim().split("\\s+", 2);
      sums.put(parts[1], parts[0]);
    }
    return sums;
  }

  /** Path to SHA-256 of every regular file of a tar archive, read with commons-compress. */
  private static Map<String, String> checksums(Path archive) throws Exception {
    Map<String, String> sums = new TreeMap<>();
    try (InputStream in = Files.newInputStream(archive); TarArchiveInputStream tar = new TarArchiveInputStream(in)) {
      for (TarArchiveEntry e = tar.getNextEntry(); e != null; e = tar.getNextEntry()) {
        if (e.isFile()) {
          sums.put(e.getName(), HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(tar.readAllBytes())));
        }
      }
    }
    return sums;
  }

  @Test
  void snapshotThenWipeThenRestoreGivesBackIdenticalBytesInAPlainTar() throws Exception {
    String data = volume("snap");
    inVolume(data, "head -c 1048576 /dev/urandom > /v/blob && mkdir -p /v/nested/deeper && echo hi > /v/nested/deeper/a.txt"
        + " && : > /v/empty && echo secret > /v/.hidden && chmod 600 /v/.hidden");
    Map<String, String> before = checksums(data);
    assertThat(before).containsOnlyKeys("./blob", "./nested/deeper/a.txt", "./empty", "./.hidden");
    Path archive = dir.resolve("data.tar");

    snapshots.snapshot(data, archive);

    assertThat(checksums(archive)).isEqualTo(before);
    Process tar = new ProcessBuilder("tar", "-tvf", archive.toString()).redirectErrorStream(true).start();
    String listing = new String(tar.getInputStream().readAllBytes());
    assertThat(tar.waitFor()).isZero();
    assertThat(listing).contains("./nested/deeper/a.txt").contains("-rw------- root/root").contains("./blob");

    docker("volume", "rm", data);
    provider.ensure(VolumeSpec.named(data), owner);
    inVolume(data, "echo stray > /v/stray");
    snapshots.restore(data, archive);

    assertThat(checksums(data)).isEqualTo(before);
    assertThat(inVolume(data, "stat -c %a /v/.hidden")).isEqualTo("600");
  }

  @Test
  void filesCopiedIntoAVolumeComeBackOutByteForByte() throws IOException {
    String data = volume("copy");
    Path source = Files.createDirectories(dir.resolve("in/site"));
    Files.writeString(source.resolve("index.html"), "<h1>hello</h1>");
    Files.write(source.resolve("logo.bin"), new byte[] {0, 1, 2, (byte) 255});

    snapshots.copyIn(data, source, "/www/public");
    assertThat(inVolume(data, "cat /v/www/public/site/index.html")).isEqualTo("<h1>hello</h1>");

    Path out = dir.resolve("out");
    snapshots.copyOut(data, "www/public/site", out);
    assertThat(Files.readString(out.resolve("site/index.html"))).isEqualTo("<h1>hello</h1>");
    assertThat(Files.readAllBytes(out.resolve("site/logo.bin"))).containsExactly(0, 1, 2, (byte) 255);
  }

  @Test
  void aForeignVolumeAndAnUnsafeArchiveAreRefusedAndNoHelperIsLeft() throws IOException {
    String foreign = "foreign-" + DockerTestEngine.randomId();
    volumes.add(foreign);
    docker("volume", "create", foreign);
    assertThatThrownBy(() -> snapshots.snapshot(foreign, dir.resolve("x.tar")))
        .isInstanceOf(NotOwnedException.class).hasMessageContaining(foreign).hasMessageContaining(OwnerLabels.INSTANCE);
    String data = volume("safe");
    assertThatThrownBy(() -> snapshots.copyOut(data, "../../etc", dir))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("not inside the volume");
    Path notTar = Files.writeString(dir.resolve("not.tar"), "hello");
    assertThatThrownBy(() -> snapshots.restore(data, notTar))
        .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("refused");
    assertThatThrownBy(() -> snapshots.copyOut(data, "missing", dir.resolve("o")))
        .hasMessageContaining("missing");
    assertThat(dir.resolve("x.tar")).doesNotExist();
  }
}
