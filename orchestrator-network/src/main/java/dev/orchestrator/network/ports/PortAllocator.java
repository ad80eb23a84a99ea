package dev.orchestrator.network.ports;

import dev.orchestrator.OrchestratorException;
import dev.orchestrator.spec.PortSpec;
import dev.orchestrator.spec.ServiceSpec;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.IntPredicate;

/**
 * Hands out host ports from a fixed range, each to one holder at a time. Thread-safe: every
 * method runs under one lock, so concurrent applies never get the same port.
 *
 * <p>Allocations are sticky: a holder ({@code "<service>/<port name>"} when allocated through
 * {@link #assign}) keeps its port until released, so re-applying a spec yields the same spec and
 * the same hash (no replacement). Ports are handed out next-fit from a cursor, so a port just
 * released is the last to be reused. A port the probe reports busy (by default: it cannot be
 * bound on the loopback address, e.g. a container of another orchestrator or another process
 * listens there) is skipped.
 *
 * <pre>{@code
 * PortAllocator ports = PortAllocator.range(30000, 30100);
 * orchestrator.apply(ports.assign(spec));        // every port without a fixed host port gets one from the range
 * orchestrator.delete(spec.name());
 * ports.release(spec.name());
 * }</pre>
 */
public final class PortAllocator {
  private final int first;
  private final int last;
  private final IntPredicate free;
  /** holder to port, and port to holder; guarded by this. */
  private final Map<String, Integer> ports = new HashMap<>();
  private final Map<Integer, String> holders = new TreeMap<>();
  private int cursor;

  /**
   * An allocator for {@code first..last} (inclusive) that asks {@code free} before handing out a
   * port; {@code free} runs under the allocator's lock and must be quick.
   *
   * @throws IllegalArgumentException unless {@code 1 <= first <= last <= 65535}
   */
  public PortAllocator(int first, int last, IntPredicate free) {
    if (first < 1 || last > 65535 || first > last) {
      throw new IllegalArgumentException("port range must satisfy 1 <= first <= last <= 65535, was " + first + "-" + last);
    }
    this.first = first;
    this.last = last;
    this.free = Objects.requireNonNull(free, "free");
    this.cursor = first;
  }

  /** An allocator for {@code first..last} that skips ports it cannot bind on the loopback address. */
  public static PortAllocator range(int first, int last) {
    return new PortAllocator(first, last, PortAllocator::bindableOnLoopback);
  }

  /**
   * The holder's port, allocating one if it has none.
   *
   * @throws OrchestratorException when every port of the range is held or busy
   */
  public synchronized int allocate(String holder) {
    Objects.requireNonNull(holder, "holder");
    Integer held = ports.get(holder);
    if (held != null) {
      return held;
    }
    int size = last - first + 1;
    int busy = 0;
    for (int i = 0; i < size; i++) {
      int port = cursor;
      cursor = cursor == last ? first : cursor + 1;
      if (holders.containsKey(port)) {
        continue;
      }
      if (!free.test(port)) {
        busy++;
        continue;
      }
      take(holder, port);
      return port;
    }
    throw new OrchestratorException("no free host port in range " + first + "-" + last + " for " + holder + ": "
        + holders.size() + " held by this allocator, " + busy + " in use by others");
  }

  /**
   * Records that the holder uses a port it chose itself; ports outside the range are ignored.
   *
   * @throws OrchestratorException when another holder has the port
   */
  public synchronized void reserve(String holder, int port) {
    Objects.requireNonNull(holder, "holder");
    if (port < first || port > last) {
      return;
    }
    String other = holders.get(port);
    if (other != null && !other.equals(holder)) {
      throw new OrchestratorException("host port " + port + " asked for by " + holder + " is held by " + other);
    }
    Integer previous = ports.get(holder);
    if (previous != null && previous != port) {
      holders.remove(previous);
    }
    take(holder, port);
  }

  private void take(String holder, int port) {
    ports.put(holder, port);
    holders.put(port, holder);
  }

  /**
   * The spec with a host port from this range on each named port (every port without a fixed host
   * port when no name is given); fixed host ports inside the range are reserved for the service.
   * Sticky: assigning the same service again gives the same ports.
   *
   * @throws IllegalArgumentException if a named port is not one of the spec's
   * @throws OrchestratorException when the range is exhausted or a fixed port is held by another service
   */
  public synchronized ServiceSpec assign(ServiceSpec spec, String... portNames) {
    Set<String> names = Set.of(portNames);
    for (String name : names) {
      if (spec.ports().stream().noneMatch(p -> p.name().equals(name))) {
        throw new IllegalArgumentException("service '" + spec.name() + "' has no port '" + name + "', only "
            + spec.ports().stream().map(PortSpec::name).toList());
      }
    }
    List<PortSpec> assigned = new ArrayList<>();
    for (PortSpec p : spec.ports()) {
      String holder = spec.name() + "/" + p.name();
      boolean wanted = names.isEmpty() ? p.hostPort() == 0 : names.contains(p.name());
      if (wanted) {
        assigned.add(p.withHostPort(allocate(holder)));
      } else {
        if (p.hostPort() > 0) {
          reserve(holder, p.hostPort());
        }
        assigned.add(p);
      }
    }
    ServiceSpec.Builder b = spec.toBuilder().clearPorts();
    assigned.forEach(b::port);
    return b.build();
  }

  /** Releases every port held for the service through {@link #assign}; returns how many. */
  public synchronized int release(String service) {
    String prefix = service + "/";
    List<String> gone = ports.keySet().stream().filter(h -> h.startsWith(prefix)).toList();
    gone.forEach(this::releaseHolder);
    return gone.size();
  }

  /** Releases the holder's port, if it has one. */
  public synchronized void releaseHolder(String holder) {
    Integer port = ports.remove(holder);
    if (port != null) {
      holders.remove(port);
    }
  }

  /** Port to holder, for every port held now. */
  public synchronized Map<Integer, String> held() {
    return Map.copyOf(holders);
  }

  @Override
  public String toString() {
    return "PortAllocator{" + first + "-" + last + "}";
  }

  /** Whether a TCP socket can be bound to the port on the loopback address right now. */
  static boolean bindableOnLoopback(int port) {
    try (ServerSocket socket = new ServerSocket()) {
      socket.setReuseAddress(false);
      socket.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), port));
      return true;
    } catch (IOException e) {
      return false;
    }
  }
}
