package dev.orchestrator.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import dev.orchestrator.runtime.ContainerRuntimeException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** API version negotiation: the choice as a pure function, the local engine, and fake newer or older engines. */
class DockerApiVersionTest {
  private static final ApiVersion CLIENT_MAX = new ApiVersion(1, 44);

  @Test
  void docker_java_3_7_1_knows_api_1_44_at_most() {
    assertThat(ApiVersion.CLIENT_MAX).isEqualTo(CLIENT_MAX);
  }

  @ParameterizedTest(name = "engine {0} (min {1}) -> {2}")
  @CsvSource({
      "1.41, 1.12, 1.41",
      "1.41,     , 1.41",
      "1.43, 1.12, 1.43",
      "1.44, 1.24, 1.44",
      "1.47, 1.24, 1.44",
      "1.52, 1.44, 1.44",
  })
  void the_pinned_version_is_the_highest_both_sides_support(String engine, String min, String expected) {
    assertThat(ApiVersion.choose(engine, min, CLIENT_MAX)).hasToString(expected);
  }

  @Test
  void an_engine_older_than_api_1_41_is_refused_naming_both_versions() {
    assertThatThrownBy(() -> ApiVersion.choose("1.40", "1.12", CLIENT_MAX))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("1.40").hasMessageContaining("1.41");
  }

  @Test
  void an_engine_whose_minimum_is_above_what_docker_java_knows_is_refused_naming_both_versions() {
    assertThatThrownBy(() -> ApiVersion.choose("1.60", "1.45", CLIENT_MAX))
        .isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("1.45").hasMessageContaining("1.44").hasMessageContaining("upgrade docker-java");
  }

  @Test
  void an_unreadable_engine_answer_is_refused() {
    assertThatThrownBy(() -> ApiVersion.choose("latest", null, CLIENT_MAX)).isInstanceOf(IllegalStateException.class)
        .hasMessageContaining("latest");
  }

  @Test
  void the_local_engine_20_10_is_used_at_api_1_41() {
    DockerTestEngine.image();
    try (DockerRuntime runtime = DockerTestEngine.runtimeBuilder().build()) {
      assertThat(runtime.apiVersion()).isEqualTo("1.41");
      assertThat(runtime.node().name()).isNotBlank();
    }
  }

  @Test
  void a_newer_engine_gets_every_request_after_negotiation_on_the_pinned_version() throws IOException {
    try (FakeEngine fake = new FakeEngine("1.51", "1.44");
        DockerRuntime runtime = fake.runtime()) {
      assertThat(runtime.node().name()).isEqualTo("fake-engine");
      assertThat(runtime.apiVersion()).isEqualTo("1.44");
      runtime.node();

      assertThat(fake.paths).containsExactly("/version", "/v1.44/info", "/v1.44/info");
    }
  }

  @Test
  void an_engine_that_is_too_old_is_refused_by_every_call_and_never_asked_anything_else() throws IOException {
    try (FakeEngine fake = new FakeEngine("1.40", "1.12");
        DockerRuntime runtime = fake.runtime()) {
      assertThatThrownBy(runtime::node)
          .isInstanceOf(ContainerRuntimeException.class)
          .hasMessageContaining(fake.host()).hasMessageContaining("1.40").hasMessageContaining("1.41");
      assertThatThrownBy(runtime::apiVersion).isInstanceOf(ContainerRuntimeException.class);

      assertThat(fake.paths).containsOnly("/version");
    }
  }

  /** Answers {@code /version} with the given versions and every other path with a minimal {@code /info}. */
  private static final class FakeEngine implements AutoCloseable {
    final List<String> paths = new CopyOnWriteArrayList<>();
    private final HttpServer server;

    FakeEngine(String apiVersion, String minApiVersion) throws IOException {
      server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
      server.createContext("/", exchange -> {
        String path = exchange.getRequestURI().getPath();
        paths.add(path);
        if (path.equals("/version")) {
          answer(exchange, "{\"Version\":\"99.0.0\",\"ApiVersion\":\"" + apiVersion + "\",\"MinAPIVersion\":\"" + minApiVersion + "\"}");
        } else {
          answer(exchange, "{\"Name\":\"fake-engine\",\"NCPU\":2,\"MemTotal\":1073741824}");
        }
      });
      server.start();
    }

    String host() {
      return "tcp://127.0.0.1:" + server.getAddress().getPort();
    }

    DockerRuntime runtime() {
      return DockerRuntime.builder().dockerHost(host()).connectTimeout(Duration.ofSeconds(2))
          .responseTimeout(Duration.ofSeconds(5)).build();
    }

    private static void answer(HttpExchange exchange, String json) throws IOException {
      byte[] body = json.getBytes(StandardCharsets.UTF_8);
      exchange.getResponseHeaders().add("Content-Type", "application/json");
      exchange.sendResponseHeaders(200, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    }

    @Override
    public void close() {
      server.stop(0);
    }
  }
}
