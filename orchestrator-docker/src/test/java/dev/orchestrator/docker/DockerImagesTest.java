package dev.orchestrator.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Images without a registry: built from a directory, saved to a tar archive and loaded back. */
class DockerImagesTest {
  private final String tag = "orchestrator-test/dir-build:" + DockerTestEngine.randomId();
  private final DockerRuntime runtime = DockerTestEngine.runtimeBuilder().build();

  @AfterEach
  void removeImage() {
    try {
      runtime.images().remove(tag);
    } finally {
      runtime.close();
    }
  }

  @Test
  void anImageBuiltFromADirectorySurvivesASaveAndLoadRoundTrip(@TempDir Path dir) throws IOException {
    Path context = Files.createDirectories(dir.resolve("context"));
    Files.writeString(context.resolve("Dockerfile"), "FROM " + DockerTestEngine.image() + "\nCOPY site/index.html /www/index.html\n");
    Files.createDirectories(context.resolve("site"));
    Files.writeString(context.resolve("site/index.html"), "hello");
    DockerImages images = runtime.images();

    images.build(tag, context, Map.of("dev.orchestrator.test", "images"));
    assertThat(images.exists(tag)).isTrue();
    assertThat(DockerTestEngine.docker("image", "inspect", "--format", "{{index .Config.Labels \"dev.orchestrator.test\"}}", tag).strip())
        .isEqualTo("images");

    Path archive = dir.resolve("image.tar");
    images.save(tag, archive);
    assertThat(Files.size(archive)).isPositive();
    images.remove(tag);
    assertThat(images.exists(tag)).isFalse();
    images.load(archive);
    assertThat(images.exists(tag)).isTrue();
  }
}
