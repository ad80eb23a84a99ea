package dev.orchestrator.network.dns;

import dev.orchestrator.registry.ServiceRegistry;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.StandardSocketOptions;
import java.net.UnknownHostException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.Rcode;

/**
 * An authoritative DNS server for one domain (default {@code svc.local}) that answers from a
 * {@link ServiceRegistry}, over UDP and TCP on one port:
 * <ul>
 *   <li>{@code <service>.<domain>}: A (or AAAA) records of every registered (ready) endpoint;
 *   <li>{@code <endpoint-id>.<service>.<domain>}, e.g. {@code web-0.web.svc.local}: one replica;
 *   <li>{@code _<port-name>._tcp.<service>.<domain>}: SRV records (port, target the replica name);
 *   <li>other names in the domain: NXDOMAIN (NODATA for a known name without the asked type);
 *       names outside it: REFUSED unless configured otherwise. Negative answers carry an SOA whose
 *       minimum is the TTL.
 * </ul>
 * Addresses come from the endpoints' host face unless an {@link AddressFace#network(String) network
 * face} is chosen (for containers that use this server as their resolver).
 *
 * <p>Threads: {@code udpThreads} threads receive and answer UDP queries, each on its own socket bound
 * to the port with SO_REUSEPORT (one shared socket where the platform lacks it); TCP has one acceptor
 * and up to {@code tcpConnections} connection threads; all are daemon threads owned by this server
 * and ended by {@link #close()}. Answers come from an immutable per-service snapshot rebuilt on the
 * registry's delivery threads, so queries never wait for registry changes.
 */
public final class DnsServer implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(DnsServer.class);

  /** The answer to a name outside the served domain. */
  public enum Outside {
    REFUSED(Rcode.REFUSED), NXDOMAIN(Rcode.NXDOMAIN), SERVFAIL(Rcode.SERVFAIL);

    private final int rcode;

    Outside(int rcode) {
      this.rcode = rcode;
    }
  }

  private final DnsZone zone;
  private final List<DatagramChannel> udp;
  private final TcpListener tcp;
  private final List<Thread> udpThreads = new ArrayList<>();
  private final InetSocketAddress address;
  private final String domain;
  private volatile boolean closed;

  private DnsServer(Builder b) {
    ZoneConfig config = ZoneConfig.of(b.domain, b.ttl.toSeconds(), b.face, b.outside.rcode);
    this.domain = config.domain().toString(true);
    this.zone = new DnsZone(b.registry, config);
    List<DatagramChannel> channels = new ArrayList<>();
    ServerSocket server = null;
    try {
      // one UDP socket per thread on the same port (SO_REUSEPORT: the kernel spreads clients over
      // them, no lock shared between threads); one shared socket where that option is missing
      channels.add(udpChannel(b.bind, b.udpThreads));
      InetSocketAddress bound = (InetSocketAddress) channels.get(0).getLocalAddress();
      boolean reusePort = channels.get(0).supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT);
      for (int i = 1; reusePort && i < b.udpThreads; i++) {
        channels.add(udpChannel(bound, b.udpThreads));
      }
      server = new ServerSocket();
      server.setReuseAddress(true);
      server.bind(bound, 128);
      this.address = bound;
    } catch (IOException e) {
      channels.forEach(DnsServer::closeQuietly);
      closeQuietly(server);
      zone.close();
      throw new UncheckedIOException("cannot bind the DNS server to " + b.bind + " (UDP and TCP): " + e.getMessage(), e);
    }
    this.udp = List.copyOf(channels);
    this.tcp = new TcpListener(server, zone, b.tcpConnections, (int) b.tcpIdle.toMillis());
    for (int i = 0; i < b.udpThreads; i++) {
      DatagramChannel channel = udp.get(i % udp.size());
      Thread t = new Thread(() -> serveUdp(channel), "dns-udp-" + address.getPort() + "-" + i);
      t.setDaemon(true);
      udpThreads.add(t);
      t.start();
    }
    log.info("DNS server for {} listening on {} (UDP and TCP), {} face", domain, address, b.face);
  }

  /** A builder of a server answering from {@code registry}. */
  public static Builder builder(ServiceRegistry registry) {
    return new Builder(registry);
  }

  /** The bound address and port (UDP and TCP). */
  public InetSocketAddress address() {
    return address;
  }

  /** The served domain, without the trailing dot. */
  public String domain() {
    return domain;
  }

  /** Stops watching the registry, closes the sockets and ends the server's threads (waits up to a few seconds). */
  @Override
  public void close() {
    if (closed) {
      return;
    }
    closed = true;
    zone.close();
    udp.forEach(DnsServer::closeQuietly);
    tcp.close();
    for (Thread t : udpThreads) {
      try {
        t.join(5_000);
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
    }
  }

  private static DatagramChannel udpChannel(InetSocketAddress bind, int threads) throws IOException {
    DatagramChannel channel = DatagramChannel.open(bind.getAddress().getAddress().length == 4 ? StandardProtocolFamily.INET : StandardProtocolFamily.INET6);
    try {
      channel.setOption(StandardSocketOptions.SO_RCVBUF, 1 << 20); // absorbs bursts (the kernel may cap it)
      if (threads > 1 && channel.supportedOptions().contains(StandardSocketOptions.SO_REUSEPORT)) {
        channel.setOption(StandardSocketOptions.SO_REUSEPORT, true);
      }
      channel.bind(bind);
      return channel;
    } catch (IOException e) {
      channel.close();
      throw e;
    }
  }

  private void serveUdp(DatagramChannel udp) {
    QueryHandler handler = new QueryHandler(zone);
    ByteBuffer in = ByteBuffer.allocate(65_535);
    byte[] out = new byte[65_535];
    ByteBuffer outBuffer = ByteBuffer.wrap(out);
    while (!closed) {
      try {
        in.clear();
        SocketAddress from = udp.receive(in);
        int n = handler.handle(in.array(), in.position(), out, true);
        if (n > 0) {
          outBuffer.clear().limit(n);
          udp.send(outBuffer, from);
        }
      } catch (ClosedChannelException e) {
        return;
      } catch (IOException | RuntimeException e) {
        if (!closed) {
          log.debug("DNS UDP query failed", e);
        }
      }
    }
  }

  private static void closeQuietly(AutoCloseable closeable) {
    if (closeable == null) {
      return;
    }
    try {
      closeable.close();
    } catch (Exception e) {
      log.debug("close failed", e);
    }
  }

  /** Configures and starts a {@link DnsServer}. */
  public static final class Builder {
    private final ServiceRegistry registry;
    private String domain = "svc.local";
    private InetSocketAddress bind = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
    private Duration ttl = Duration.ofSeconds(5);
    private AddressFace face = AddressFace.host();
    private Outside outside = Outside.REFUSED;
    private int udpThreads = 2;
    private int tcpConnections = 16;
    private Duration tcpIdle = Duration.ofSeconds(10);

    private Builder(ServiceRegistry registry) {
      this.registry = Objects.requireNonNull(registry, "registry");
    }

    /** The served domain (default {@code svc.local}). */
    public Builder domain(String domain) {
      this.domain = Objects.requireNonNull(domain, "domain");
      return this;
    }

    /**
     * The address and port to listen on (default 127.0.0.1 and a free port; 0 picks a free port).
     * Bind a Docker bridge's gateway address (e.g. 172.17.0.1) to serve containers on that bridge.
     */
    public Builder bind(String address, int port) {
      if (port < 0 || port > 65_535) {
        throw new IllegalArgumentException("port must be 0..65535, was " + port);
      }
      try {
        this.bind = new InetSocketAddress(InetAddress.getByName(Objects.requireNonNull(address, "address")), port);
      } catch (UnknownHostException e) {
        throw new IllegalArgumentException("bind address '" + address + "' is not an address: " + e.getMessage(), e);
      }
      return this;
    }

    /** The TTL of every record and of negative answers (default 5 s, whole seconds, at most a day). */
    public Builder ttl(Duration ttl) {
      if (ttl.isNegative() || ttl.compareTo(Duration.ofDays(1)) > 0) {
        throw new IllegalArgumentException("ttl must be between 0 and 1 day, was " + ttl);
      }
      this.ttl = ttl;
      return this;
    }

    /** Which address records give: the host face (default) or a network's in-network face. */
    public Builder face(AddressFace face) {
      this.face = Objects.requireNonNull(face, "face");
      return this;
    }

    /** The answer to names outside the domain (default REFUSED: this server does not recurse). */
    public Builder outside(Outside outside) {
      this.outside = Objects.requireNonNull(outside, "outside");
      return this;
    }

    /** Threads answering UDP queries (default 2). */
    public Builder udpThreads(int threads) {
      if (threads < 1 || threads > 64) {
        throw new IllegalArgumentException("udpThreads must be 1..64, was " + threads);
      }
      this.udpThreads = threads;
      return this;
    }

    /** Most TCP connections served at once (default 16) and how long one may stay idle (default 10 s). */
    public Builder tcp(int maxConnections, Duration idle) {
      if (maxConnections < 1) {
        throw new IllegalArgumentException("tcp maxConnections must be at least 1, was " + maxConnections);
      }
      if (idle.isNegative() || idle.isZero()) {
        throw new IllegalArgumentException("tcp idle timeout must be positive, was " + idle);
      }
      this.tcpConnections = maxConnections;
      this.tcpIdle = idle;
      return this;
    }

    /** Binds the sockets and starts answering. */
    public DnsServer start() {
      return new DnsServer(this);
    }
  }
}
