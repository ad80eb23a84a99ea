package dev.orchestrator.internal;

import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;

/**
 * One HTTP health probe: {@code GET path} over a new connection, passing on a 2xx or 3xx status
 * (redirects are not followed). Written on a plain socket: a probe may run every few milliseconds
 * per container, and {@code HttpURLConnection} spent about twice the CPU per probe here (proxy
 * selection, keep-alive cache, header parsing of a response we do not use).
 *
 * <p>Reads the status line, then the rest of the response (at most {@link #MAX_DRAIN} bytes) so
 * that the server can finish writing before the connection closes; the whole exchange is bounded
 * by {@code timeoutMillis} for the connect and for each read.
 */
final class HttpProbe {
  /** How much of a response is read and dropped after its status line. */
  static final int MAX_DRAIN = 16 * 1024;

  private HttpProbe() {}

  /** Null when the server answered 2xx or 3xx, else why the probe failed. */
  static String get(String host, int port, String path, int timeoutMillis) {
    String target = host + ":" + port + path;
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(host, port), timeoutMillis);
      s.setSoTimeout(timeoutMillis);
      String hostHeader = (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
      s.getOutputStream().write(("GET " + path + " HTTP/1.1\r\nHost: " + hostHeader
          + "\r\nUser-Agent: orchestrator-probe\r\nAccept: */*\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1));
      InputStream in = new BufferedInputStream(s.getInputStream(), 1024);
      int status = status(in);
      if (status < 0) {
        return "HTTP " + target + ": no HTTP status line in the answer";
      }
      drain(in);
      return status >= 200 && status < 400 ? null : "HTTP " + target + " answered " + status;
    } catch (SocketTimeoutException e) {
      return "HTTP " + target + ": no answer within " + timeoutMillis + " ms";
    } catch (IOException e) {
      return "HTTP " + target + ": " + e.getMessage();
    }
  }

  /** The status code of a status line such as "HTTP/1.1 200 OK", or -1. */
  private static int status(InputStream in) throws IOException {
    StringBuilder line = new StringBuilder();
    for (int b = in.read(); b >= 0 && b != '\n' && line.length() < 256; b = in.read()) {
      line.append((char) b);
    }
    String[] parts = line.toString().strip().split(" ", 3);
    if (!parts[0].startsWith("HTTP/") || parts.length < 2 || parts[1].length() != 3) {
      return -1;
    }
    try {
      return Integer.parseInt(parts[1]);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private static void drain(InputStream in) throws IOException {
    byte[] buffer = new byte[4096];
    int total = 0;
    for (int n = in.read(buffer); n > 0 && total < MAX_DRAIN; n = in.read(buffer)) {
      total += n;
    }
  }
}
