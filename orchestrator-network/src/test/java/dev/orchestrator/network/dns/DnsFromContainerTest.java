package dev.orchestrator.network.dns;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.model.Network;
import dev.orchestrator.docker.DockerRuntime;
import dev.orchestrator.docker.DockerTestEngine;
import dev.orchestrator.registry.Endpoint;
import dev.orchestrator.registry.InMemoryServiceRegistry;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The embedded server as a container's resolver: bound to the Docker bridge's gateway address,
 * asked by BusyBox {@code nslookup} inside a container on that bridge.
 */
class DnsFromContainerTest {
  private static final String RUN = HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
  private static String image;
  private static final String TEST_LABEL = "dev.orchestrator.test=orchestrator-network-" + RUN;
  private static DockerRuntime runtime;
  private static String gateway;

  @BeforeAll
  static void engine() {
    image = DockerTestEngine.image(); // fails loudly when no engine answers: these tests never skip
    runtime = DockerTestEngine.runtimeBuilder().build();
    Network bridge = runtime.call("inspect network", "bridge", client -> client.inspectNetworkCmd().withNetworkId("bridge").exec());
    gateway = bridge.getIpam().getConfig().get(0).getGateway();
  }

  @AfterAll
  static void closeRuntime() {
    if (runtime != null) {
      runtime.close();
    }
  }

  @Test
  void busyboxNslookupInAContainerResolvesServicesReplicasAndSrvAndGetsNxdomainForUnknownNames() throws Exception {
    try (InMemoryServiceRegistry registry = new InMemoryServiceRegistry()) {
      for (int slot = 0; slot < 2; slot++) {
        registry.register(new Endpoint("web", "web-" + slot, "node-1", "127.0.0.1", Map.of("http", 32000 + slot), Map.of(),
            Map.of("http", 8080), Map.of("bridge", "172.17.0." + (200 + slot))));
      }
      try (DnsServer server = DnsServer.builder(registry).bind(gateway, 0).face(AddressFace.network("bridge")).start()) {
        String resolver = gateway + ":" + server.address().getPort();

        Map<String, String> out = nslookups(resolver, "web.svc.local", "web-1.web.svc.local", "-type=SRV _http._tcp.web.svc.local",
            "nothing.svc.local");

        assertThat(out.get("web.svc.local")).contains("Address: 172.17.0.200", "Address: 172.17.0.201");
        assertThat(out.get("web-1.web.svc.local")).contains("Address: 172.17.0.201").doesNotContain("172.17.0.200");
        assertThat(out.get("-type=SRV _http._tcp.web.svc.local"))
            .contains("service = 0 1 8080 web-0.web.svc.local", "service = 0 1 8080 web-1.web.svc.local");
        assertThat(out.get("nothing.svc.local")).contains("NXDOMAIN");

        registry.deregister("web", "web-0");
        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).untilAsserted(() ->
            assertThat(nslookups(resolver, "web.svc.local").get("web.svc.local")).contains("Address: 172.17.0.201").doesNotContain("172.17.0.200"));
      }
    }
  }

  /** Runs {@code nslookup QUERY RESOLVER} for each query in one throwaway container; returns each one's output. */
  private static Map<String, String> nslookups(String resolver, String... queries) throws IOException, InterruptedException {
    String name = "dns-test-" + RUN + "-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
    StringBuilder script = new StringBuilder();
    for (String query : queries) {
      script.append("echo '=== ").append(query).append("'; nslookup ").append(query).append(' ').append(resolver).append("; ");
    }
    List<String> command = List.of("docker", "run", "--rm", "--name", name, "--label", TEST_LABEL, image, "sh", "-c", script.toString());
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError(command + " did not finish within 60 s");
      }
      String output = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
      Map<String, String> byQuery = new java.util.HashMap<>();
      for (String part : output.split("=== ")) {
        int eol = part.indexOf('\n');
        if (eol > 0) {
          byQuery.put(part.substring(0, eol), part.substring(eol + 1));
        }
      }
      assertThat(byQuery).as(output).containsKeys(queries);
      return byQuery;
    } finally {
      new ProcessBuilder("docker", "rm", "-f", name).redirectErrorStream(true).start().waitFor(30, TimeUnit.SECONDS);
    }
  }
}
