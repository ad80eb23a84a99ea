package dev.orchestrator.network.docker;

import static dev.orchestrator.docker.DockerTestEngine.docker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.orchestrator.Orchestrator;
import dev.orchestrator.Subscription;
import dev.orchestrator.docker.DockerRuntime;
import dev.orchestrator.docker.DockerTestEngine;
import dev.orchestrator.network.dns.AddressFace;
import dev.orchestrator.network.dns.DnsServer;
import dev.orchestrator.registry.Endpoint;
import dev.orchestrator.registry.EndpointSet;
import dev.orchestrator.runtime.OwnerLabels;
import dev.orchestrator.spec.HealthCheck;
import dev.orchestrator.spec.PortSpec;
import dev.orchestrator.spec.RestartPolicy;
import dev.orchestrator.spec.ServiceSpec;
import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * A replica killed behind the orchestrator's back leaves the registry, and with it the DNS
 * answers, before its replacement appears there: no client is ever handed the dead address.
 */
class KilledReplicaDiscoveryTest {
  private static final Duration READY = Duration.ofSeconds(40);
  /** Long enough to look at the registry and DNS between the death and the replacement. */
  private static final Duration BACKOFF = Duration.ofSeconds(3);

  private final String instance = "discovery-" + DockerTestEngine.randomId();
  private DockerRuntime node;
  private Orchestrator orchestrator;
  private DnsServer dns;

  @BeforeEach
  void start() {
    String image = DockerTestEngine.image();
    node = DockerTestEngine.runtimeBuilder().instanceId(instance).build();
    orchestrator = Orchestrator.builder().instanceId(instance).node(node).callTimeout(Duration.ofSeconds(15)).build();
    dns = DnsServer.builder(orchestrator.registry()).domain("svc.local").face(AddressFace.network("bridge")).start();
    orchestrator.apply(ServiceSpec.builder("web")
        .image(image)
        .command("httpd", "-f", "-p", "8080", "-h", "/etc")
        .port(PortSpec.tcp("http", 8080))
        .replicas(2)
        .readiness(HealthCheck.http(8080, "/hostname").withInterval(Duration.ofMillis(200)))
        .restartPolicy(RestartPolicy.defaults().withBackoff(BACKOFF, BACKOFF, 1.0))
        .stopGracePeriod(Duration.ofSeconds(1))
        .build());
  }

  @AfterEach
  void close() {
    try {
      dns.close();
      orchestrator.close();
      assertThat(node.list(OwnerLabels.ofInstance(instance))).as("containers left by close()").isEmpty();
    } finally {
      node.list(OwnerLabels.ofInstance(instance)).forEach(c -> node.remove(c.id()));
      node.close();
    }
  }

  @Test
  void a_killed_replica_leaves_the_registry_and_dns_before_its_replacement_appears() throws Exception {
    orchestrator.awaitReady("web", READY);
    Endpoint victim = orchestrator.registry().lookup("web").endpoints().get(0);
    String victimContainer = victim.metadata().get("container");
    String victimAddress = victim.networkAddress("bridge").orElseThrow();
    assertThat(addresses("web.svc.local")).contains(victimAddress).hasSize(2);
    List<EndpointSet> history = new CopyOnWriteArrayList<>();
    Subscription watch = orchestrator.registry().watch("web", history::add);
    try {
      docker("kill", victimContainer);

      // within the backoff: withdrawn from the registry and from every DNS answer
      await().atMost(Duration.ofSeconds(10)).until(() -> orchestrator.registry().lookup("web").size() == 1);
      assertThat(orchestrator.registry().lookup("web").endpoints()).extracting(Endpoint::id).doesNotContain(victim.id());
      assertThat(addresses("web.svc.local")).hasSize(1).doesNotContain(victimAddress);
      assertThat(ask(victim.id() + ".web.svc.local").getRcode()).isEqualTo(Rcode.NXDOMAIN);

      // then the replacement, in the same slot, in a new container
      await().atMost(READY).until(() -> orchestrator.registry().lookup("web").endpoints().stream()
          .anyMatch(e -> e.id().equals(victim.id()) && !e.metadata().get("container").equals(victimContainer)));
      Endpoint replacement = orchestrator.registry().lookup("web").endpoints().stream()
          .filter(e -> e.id().equals(victim.id())).findFirst().orElseThrow();
      await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(addresses(victim.id() + ".web.svc.local"))
          .containsExactly(replacement.networkAddress("bridge").orElseThrow()));
    } finally {
      watch.close();
    }
    // every version the registry published lists the dead container or its replacement, never both,
    // and a version without the slot separates them
    int lastWithVictim = -1;
    int firstWithReplacement = Integer.MAX_VALUE;
    for (int i = 0; i < history.size(); i++) {
      List<String> containers = history.get(i).endpoints().stream().map(e -> e.metadata().get("container")).toList();
      if (containers.contains(victimContainer)) {
        lastWithVictim = i;
      }
      boolean replaced = history.get(i).endpoints().stream()
          .anyMatch(e -> e.id().equals(victim.id()) && !e.metadata().get("container").equals(victimContainer));
      if (replaced) {
        firstWithReplacement = Math.min(firstWithReplacement, i);
      }
    }
    assertThat(firstWithReplacement).as("registry versions: %s", history).isGreaterThan(lastWithVictim + 1);
  }

  private Message ask(String name) throws IOException {
    SimpleResolver resolver = new SimpleResolver(dns.address());
    resolver.setTimeout(Duration.ofSeconds(5));
    return resolver.send(Message.newQuery(Record.newRecord(Name.fromString(name + "."), Type.A, DClass.IN)));
  }

  private List<String> addresses(String name) throws IOException {
    return Arrays.stream(ask(name).getSection(Section.ANSWER).toArray(new Record[0]))
        .filter(ARecord.class::isInstance)
        .map(r -> ((ARecord) r).getAddress().getHostAddress())
        .toList();
  }
}
