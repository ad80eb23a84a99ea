package dev.orchestrator.internal;

import static org.assertj.core.api.Assertions.assertThat;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP health probe against a real HTTP server on loopback, and against servers that misbehave. */
class HttpProbeTest {
  private HttpServer server;
  private int port;
  private final List<String> requests = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws IOException {
    server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
    server.createContext("/", exchange -> {
      String path = exchange.getRequestURI().toString();
      requests.add(exchange.getRequestMethod() + " " + path + " Host=" + exchange.getRequestHeaders().getFirst("Host"));
      int status = switch (path) {
        case "/ok" -> 200;
        case "/moved" -> 302;
        case "/big" -> 200;
        default -> 503;
      };
      byte[] body = path.equals("/big") ? new byte[200_000] : ("status " + status).getBytes(StandardCharsets.UTF_8);
      if (status == 302) {
        exchange.getResponseHeaders().add("Location", "/elsewhere");
      }
      exchange.sendResponseHeaders(status, body.length);
      exchange.getResponseBody().write(body);
      exchange.close();
    });
    server.start();
    port = server.getAddress().getPort();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  @Test
  void passesOn2xxAnd3xxWithoutFollowingRedirects() {
    assertThat(HttpProbe.get("127.0.0.1", port, "/ok", 2000)).isNull();
    assertThat(HttpProbe.get("127.0.0.1", port, "/moved", 2000)).isNull();
    assertThat(HttpProbe.get("127.0.0.1", port, "/big", 2000)).isNull();
    assertThat(requests).containsExactly("GET /ok Host=127.0.0.1:" + port, "GET /moved Host=127.0.0.1:" + port,
        "GET /big Host=127.0.0.1:" + port);
  }

  @Test
  void failsOnAnErrorStatusNamingIt() {
    assertThat(HttpProbe.get("127.0.0.1", port, "/broken?x=1", 2000))
        .isEqualTo("HTTP 127.0.0.1:" + port + "/broken?x=1 answered 503");
  }

  @Test
  void failsWhenNothingListens() throws IOException {
    int closed;
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      closed = s.getLocalPort();
    }
    assertThat(HttpProbe.get("127.0.0.1", closed, "/ok", 2000)).startsWith("HTTP 127.0.0.1:" + closed + "/ok: ");
  }

  @Test
  void failsWithinItsTimeoutWhenTheServerNeverAnswers() throws IOException {
    try (ServerSocket silent = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      long start = System.nanoTime();
      assertThat(HttpProbe.get("127.0.0.1", silent.getLocalPort(), "/ok", 200))
          .isEqualTo("HTTP 127.0.0.1:" + silent.getLocalPort() + "/ok: no answer within 200 ms");
      assertThat(System.nanoTime() - start).isLessThan(5_000_000_000L);
    }
  }

  @Test
  void failsOnAnAnswerThatIsNotHttp() throws Exception {
    try (ServerSocket junk = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      Thread t = new Thread(() -> {
        try (Socket s = junk.accept()) {
          s.getOutputStream().write("SSH-2.0-OpenSSH\r\n".getBytes(StandardCharsets.US_ASCII));
        } catch (IOException e) {
          // the probe went away
        }
      });
      t.start();
      assertThat(HttpProbe.get("127.0.0.1", junk.getLocalPort(), "/ok", 2000)).endsWith("no HTTP status line in the answer");
      t.join(5000);
    }
  }
}
