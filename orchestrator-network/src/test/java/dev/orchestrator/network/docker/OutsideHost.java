package dev.orchestrator.network.docker;

import dev.orchestrator.docker.DockerTestEngine;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * A host outside Docker's networks, for egress tests: a network namespace joined to the machine
 * by a veth pair (10.252.N.1 here, 10.252.N.2 there, traffic to it is forwarded like traffic to
 * the internet), running BusyBox httpd on port 8099. Needs root, {@code ip}, {@code nsenter}
 * and /bin/busybox; {@link #close()} removes it all.
 */
final class OutsideHost implements AutoCloseable {
  static final int PORT = 8099;
  private final String namespace;
  private final String link;
  private final String address;
  private final Process httpd;

  OutsideHost() throws IOException {
    String id = DockerTestEngine.randomId();
    int n = 1 + ThreadLocalRandom.current().nextInt(254);
    this.namespace = "egress-" + id;
    this.link = "veg" + id.substring(0, 8);
    this.address = "10.252." + n + ".2";
    try {
      run("ip", "netns", "add", namespace);
      run("ip", "link", "add", link, "type", "veth", "peer", "name", "eth0", "netns", namespace);
      run("ip", "addr", "add", "10.252." + n + ".1/24", "dev", link);
      run("ip", "link", "set", link, "up");
      run("nsenter", "--net=/var/run/netns/" + namespace, "sh", "-c", "ip addr add " + address + "/24 dev eth0"
          + " && ip link set eth0 up && ip link set lo up && ip route add default via 10.252." + n + ".1");
      this.httpd = new ProcessBuilder("nsenter", "--net=/var/run/netns/" + namespace, "/bin/busybox", "httpd", "-f",
          "-p", String.valueOf(PORT), "-h", "/etc").redirectErrorStream(true).start();
    } catch (IOException | RuntimeException e) {
      removeLinkAndNamespace();
      throw e;
    }
  }

  /** The URL of a page the outside host serves. */
  String url() {
    return "http://" + address + ":" + PORT + "/hostname";
  }

  @Override
  public void close() {
    httpd.destroy();
    try {
      httpd.waitFor(5, TimeUnit.SECONDS);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
    removeLinkAndNamespace();
  }

  private void removeLinkAndNamespace() {
    quietly("ip", "link", "del", link);
    quietly("ip", "netns", "del", namespace);
  }

  private static void run(String... command) throws IOException {
    Process p = new ProcessBuilder(List.of(command)).redirectErrorStream(true).start();
    try {
      if (!p.waitFor(10, TimeUnit.SECONDS) || p.exitValue() != 0) {
        p.destroyForcibly();
        throw new IOException(String.join(" ", command) + " failed: "
            + new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IOException("interrupted: " + String.join(" ", command), e);
    }
  }

  private static void quietly(String... command) {
    try {
      run(command);
    } catch (IOException e) {
      // already gone
    }
  }
}
