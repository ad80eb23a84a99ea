package dev.orchestrator.examples;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The replica program of the examples: a tiny HTTP server on {@code 127.0.0.1:$PORT}.
 *
 * <ul>
 *   <li>{@code GET /} answers {@code "<replica name> pid <pid>"} (the name from
 *       {@code ORCHESTRATOR_CONTAINER_NAME});
 *   <li>{@code GET /health} answers 200 {@code ok} (the readiness check);
 *   <li>{@code GET /pid} answers the process id.
 * </ul>
 *
 * <p>It exits when the process that started it dies, so an interrupted example leaves no workers
 * behind.
 */
public final class HttpWorker {
  private HttpWorker() {}

  public static void main(String[] args) throws IOException {
    int port = Integer.parseInt(requireEnv("PORT"));
    String name = System.getenv().getOrDefault("ORCHESTRATOR_CONTAINER_NAME", "worker");
    long pid = ProcessHandle.current().pid();

    HttpServer server = HttpServer.create(new InetSocketAddress("127.0.0.1", port), 0);
    server.createContext("/", exchange -> {
      if (exchange.getRequestURI().getPath().equals("/")) {
        reply(exchange, 200, name + " pid " + pid);
      } else {
        reply(exchange, 404, "not found");
      }
    });
    server.createContext("/health", exchange -> reply(exchange, 200, "ok"));
    server.createContext("/pid", exchange -> reply(exchange, 200, Long.toString(pid)));
    server.start();
    System.out.println(name + " (pid " + pid + ") listening on 127.0.0.1:" + port);

    ProcessHandle.current().parent().ifPresent(parent -> parent.onExit().thenRun(() -> System.exit(0)));
  }

  private static void reply(HttpExchange exchange, int status, String body) throws IOException {
    byte[] bytes = (body + "\n").getBytes(StandardCharsets.UTF_8);
    exchange.getResponseHeaders().set("Content-Type", "text/plain; charset=utf-8");
    exchange.sendResponseHeaders(status, bytes.length);
    try (OutputStream out = exchange.getResponseBody()) {
      out.write(bytes);
    }
  }

  private static String requireEnv(String key) {
    String value = System.getenv(key);
    if (value == null || value.isBlank()) {
      System.err.println("HttpWorker: environment variable " + key + " is not set");
      System.exit(2);
    }
    return value;
  }
}
