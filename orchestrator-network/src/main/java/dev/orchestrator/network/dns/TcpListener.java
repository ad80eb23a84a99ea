package dev.orchestrator.network.dns;

import java.io.BufferedOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * DNS over TCP (RFC 7766): one acceptor thread, and a pool of at most {@code maxConnections}
 * connection threads (each serves one connection's length-prefixed queries in order until the
 * peer closes or stays idle for {@code idleMillis}). A connection beyond the limit is closed at once.
 */
final class TcpListener implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(TcpListener.class);

  private final ServerSocket server;
  private final DnsZone zone;
  private final int idleMillis;
  private final ThreadPoolExecutor connections;
  private final Set<Socket> open = ConcurrentHashMap.newKeySet();
  private final Thread acceptor;

  TcpListener(ServerSocket server, DnsZone zone, int maxConnections, int idleMillis) {
    this.server = server;
    this.zone = zone;
    this.idleMillis = idleMillis;
    AtomicInteger count = new AtomicInteger();
    this.connections = new ThreadPoolExecutor(0, maxConnections, 30, TimeUnit.SECONDS, new SynchronousQueue<>(), task -> {
      Thread t = new Thread(task, "dns-tcp-" + server.getLocalPort() + "-" + count.incrementAndGet());
      t.setDaemon(true);
      return t;
    });
    this.acceptor = new Thread(this::accept, "dns-tcp-accept-" + server.getLocalPort());
    acceptor.setDaemon(true);
    acceptor.start();
  }

  private void accept() {
    while (!server.isClosed()) {
      Socket socket;
      try {
        socket = server.accept();
      } catch (IOException e) {
        if (!server.isClosed()) {
          log.warn("DNS TCP accept failed", e);
        }
        continue;
      }
      open.add(socket);
      try {
        connections.execute(() -> serve(socket));
      } catch (RejectedExecutionException e) {
        log.debug("DNS TCP connection limit reached; closing {}", socket.getRemoteSocketAddress());
        open.remove(socket);
        closeQuietly(socket);
      }
    }
  }

  private void serve(Socket socket) {
    QueryHandler handler = new QueryHandler(zone);
    byte[] in = new byte[65_535];
    byte[] out = new byte[65_535];
    try (socket) {
      socket.setSoTimeout(idleMillis);
      socket.setTcpNoDelay(true);
      DataInputStream input = new DataInputStream(socket.getInputStream());
      DataOutputStream output = new DataOutputStream(new BufferedOutputStream(socket.getOutputStream()));
      while (true) {
        int length = input.readUnsignedShort();
        input.readFully(in, 0, length);
        int n = handler.handle(in, length, out, false);
        if (n > 0) {
          output.writeShort(n);
          output.write(out, 0, n);
          output.flush();
        }
      }
    } catch (EOFException | SocketTimeoutException e) {
      // the peer closed, or stayed idle
    } catch (IOException | RuntimeException e) {
      if (!server.isClosed()) {
        log.debug("DNS TCP connection from {} ended", socket.getRemoteSocketAddress(), e);
      }
    } finally {
      open.remove(socket);
    }
  }

  /** Stops accepting, closes every open connection and waits (bounded) for the threads to end. */
  @Override
  public void close() {
    closeQuietly(server);
    open.forEach(TcpListener::closeQuietly);
    connections.shutdownNow();
    try {
      acceptor.join(5_000);
      connections.awaitTermination(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  private static void closeQuietly(AutoCloseable closeable) {
    try {
      closeable.close();
    } catch (Exception e) {
      log.debug("close failed", e);
    }
  }
}
