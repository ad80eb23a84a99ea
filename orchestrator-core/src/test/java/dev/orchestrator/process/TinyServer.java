package dev.orchestrator.process;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/** A tiny long-running program for process-runtime tests: listens on {@code $PORT}, prints "started", answers "ok". */
public final class TinyServer {
  private TinyServer() {}

  public static void main(String[] args) throws IOException {
    int port = Integer.parseInt(System.getenv("PORT"));
    try (ServerSocket server = new ServerSocket(port, 50, InetAddress.getByName("127.0.0.1"))) {
      System.out.println("started");
      System.out.flush();
      while (true) {
        try (Socket socket = server.accept(); OutputStream out = socket.getOutputStream()) {
          out.write("ok\n".getBytes(StandardCharsets.UTF_8));
        }
      }
    }
  }
}
