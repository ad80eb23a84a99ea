package dev.orchestrator.network.docker;

import static dev.orchestrator.docker.DockerTestEngine.docker;
import static dev.orchestrator.docker.DockerTestEngine.tryDocker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.orchestrator.Orchestrator;
import dev.orchestrator.docker.DockerRuntime;
import dev.orchestrator.docker.DockerTestEngine;
import dev.orchestrator.network.NetworkInfo;
import dev.orchestrator.network.dns.AddressFace;
import dev.orchestrator.network.dns.DnsServer;
import dev.orchestrator.registry.Endpoint;
import dev.orchestrator.runtime.ExecResult;
import dev.orchestrator.runtime.OwnerLabels;
import dev.orchestrator.spec.ContainerOptions;
import dev.orchestrator.spec.HealthCheck;
import dev.orchestrator.spec.NetworkSpec;
import dev.orchestrator.spec.PortSpec;
import dev.orchestrator.spec.ServiceSpec;
import dev.orchestrator.spec.ValidationException;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * One orchestrator over the real engine with {@link DockerNetworkProvider}: services on one
 * network talk by name, networks isolate (by name and by address), a replica on two networks is
 * reachable on both and published with both registry faces, an internal network has no egress,
 * fixed host ports held by someone
 * are refused before anything is created, a deleted service's networks go, foreign networks
 * stay. Every test uses its own service and network names; close() must leave nothing owned.
 */
class DockerNetworkingTest {
  private static final Duration READY = Duration.ofSeconds(40);
  private static final String RUN = DockerTestEngine.randomId();
  private static final String APP = "app-" + RUN;
  private static final String OTHER = "other-" + RUN;
  private static final String FOREIGN = "foreign-" + RUN;
  private static String image;
  private static String instance;
  private static DockerRuntime node;
  private static DockerNetworkProvider networks;
  private static Orchestrator orchestrator;

  @BeforeAll
  static void start() {
    image = DockerTestEngine.image();
    instance = "net-e2e-" + RUN;
    node = DockerTestEngine.runtimeBuilder().instanceId(instance).build();
    networks = new DockerNetworkProvider(node);
    orchestrator = Orchestrator.builder()
        .instanceId(instance)
        .node(node)
        .networkProvider(networks)
        .callTimeout(Duration.ofSeconds(15))
        .resyncInterval(Duration.ofSeconds(2))
        .build();
  }

  @AfterAll
  static void closeAll() {
    try {
      if (orchestrator != null) {
        orchestrator.close();
        assertThat(node.list(OwnerLabels.ofInstance(instance))).as("containers left by close()").isEmpty();
        assertThat(networks.list(OwnerLabels.ofInstance(instance))).as("networks left by close()").isEmpty();
      }
    } finally {
      node.list(OwnerLabels.ofInstance(instance)).forEach(c -> node.remove(c.id()));
      for (NetworkInfo n : networks.list(OwnerLabels.ofInstance(instance))) {
        tryDocker("network", "rm", n.name());
      }
      tryDocker("network", "rm", FOREIGN);
      if (node != null) {
        node.close();
      }
    }
  }

  /** BusyBox httpd on 8080 serving /etc, ready when GET /hostname answers. */
  private static ServiceSpec.Builder web(String name) {
    return ServiceSpec.builder(name)
        .image(image)
        .command("httpd", "-f", "-p", "8080", "-h", "/etc")
        .port(PortSpec.tcp("http", 8080))
        .readiness(HealthCheck.http(8080, "/hostname").withInterval(Duration.ofMillis(300)))
        .stopGracePeriod(Duration.ofSeconds(1));
  }

  /** A BusyBox shell that only waits, for running wget from inside a network. */
  private static ServiceSpec.Builder sleeper(String name) {
    return ServiceSpec.builder(name).image(image).command("sleep", "3600").stopGracePeriod(Duration.ofSeconds(1));
  }

  private static String containerOf(String service) throws InterruptedException {
    orchestrator.awaitReady(service, READY);
    return orchestrator.status(service).replicas().get(0).containerId();
  }

  /** wget from inside a container, bounded by BusyBox's timeout (its wget -T crashes). */
  private static ExecResult wget(String container, String url) {
    return node.exec(container, List.of("timeout", "3", "wget", "-q", "-O", "-", url), Duration.ofSeconds(10));
  }

  @Test
  void services_on_one_network_talk_by_service_and_replica_name_and_a_service_on_another_network_reaches_neither_name_nor_address()
      throws Exception {
    orchestrator.apply(web("web").replicas(2).network(APP).build());
    orchestrator.apply(sleeper("client").network(APP).build());
    orchestrator.apply(sleeper("stranger").network(OTHER).build());
    String client = containerOf("client");
    String stranger = containerOf("stranger");
    orchestrator.awaitReady("web", READY);

    ExecResult byService = wget(client, "http://web:8080/hostname");
    assertThat(byService.exitCode()).as("wget web from client: %s", byService).isZero();
    for (Endpoint e : orchestrator.registry().lookup("web").endpoints()) {
      ExecResult byReplica = wget(client, "http://" + e.id() + ":8080/hostname");
      assertThat(byReplica.exitCode()).as("wget %s from client: %s", e.id(), byReplica).isZero();
      assertThat(byReplica.stdout().strip()).as("the replica's own hostname")
          .isEqualTo(docker("inspect", e.metadata().get("container"), "-f", "{{.Config.Hostname}}"));
    }

    String webAddress = orchestrator.registry().lookup("web").endpoints().get(0).networkAddress(APP).orElseThrow();
    assertThat(wget(stranger, "http://web:8080/hostname").exitCode()).as("name of a service on another network").isNotZero();
    assertThat(wget(stranger, "http://" + webAddress + ":8080/hostname").exitCode())
        .as("address %s of a service on another network", webAddress).isNotZero();
    assertThat(docker("inspect", stranger, "-f", "{{range $k, $v := .NetworkSettings.Networks}}{{$k}} {{end}}").strip())
        .as("not on the default bridge").isEqualTo(OTHER);
  }

  @Test
  void containers_given_the_embedded_dns_server_as_resolver_reach_a_service_by_its_registry_name() throws Exception {
    // the server answers from the registry on the default bridge's gateway, port 53: the resolver
    // Docker writes into a container's resolv.conf for options.dnsServers
    String gateway = docker("network", "inspect", "bridge", "-f", "{{(index .IPAM.Config 0).Gateway}}").strip();
    try (DnsServer dns = DnsServer.builder(orchestrator.registry()).domain("svc.local").bind(gateway, 53)
        .face(AddressFace.network("bridge")).start()) {
      orchestrator.apply(web("dnsweb").build());
      orchestrator.apply(sleeper("dnsclient")
          .options(ContainerOptions.defaults().withDns(List.of(gateway), List.of("svc.local"))).build());
      String client = containerOf("dnsclient");
      orchestrator.awaitReady("dnsweb", READY);
      String replica = orchestrator.registry().lookup("dnsweb").endpoints().get(0).metadata().get("container");

      assertThat(docker("exec", client, "cat", "/etc/resolv.conf")).contains("nameserver " + gateway, "search svc.local");
      for (String name : List.of("dnsweb", "dnsweb.svc.local", "dnsweb-0.dnsweb.svc.local")) {
        ExecResult page = wget(client, "http://" + name + ":8080/hostname");
        assertThat(page.exitCode()).as("wget %s through the embedded DNS server: %s", name, page).isZero();
        assertThat(page.stdout().strip()).isEqualTo(docker("inspect", replica, "-f", "{{.Config.Hostname}}"));
      }
    } finally {
      orchestrator.delete("dnsclient");
      orchestrator.delete("dnsweb");
    }
  }

  @Test
  void a_replica_on_two_networks_is_reachable_on_both_and_its_endpoint_carries_the_host_face_on_loopback_and_the_in_network_face()
      throws Exception {
    orchestrator.apply(web("hub").network(APP).network(OTHER).build());
    orchestrator.apply(sleeper("left").network(APP).build());
    orchestrator.apply(sleeper("right").network(OTHER).build());
    String hub = containerOf("hub");

    Endpoint e = orchestrator.registry().lookup("hub").endpoints().get(0);
    assertThat(e.host()).isEqualTo("127.0.0.1");
    assertThat(docker("inspect", hub, "-f", "{{range $p, $b := .NetworkSettings.Ports}}{{range $b}}{{.HostIp}}:{{.HostPort}}{{end}}{{end}}"))
        .as("published on loopback only").isEqualTo("127.0.0.1:" + e.port("http"));
    assertThat(get("127.0.0.1", e.port("http"))).isEqualTo(200);
    assertThat(e.containerPorts()).containsExactly(java.util.Map.entry("http", 8080));
    assertThat(e.networks()).containsOnlyKeys(APP, OTHER);
    for (String network : List.of(APP, OTHER)) {
      assertThat(e.networks().get(network)).as("address on %s", network)
          .isEqualTo(docker("inspect", hub, "-f", "{{(index .NetworkSettings.Networks \"" + network + "\").IPAddress}}"));
    }
    assertThat(wget(containerOf("left"), "http://hub:8080/hostname").exitCode()).isZero();
    assertThat(wget(containerOf("right"), "http://hub-0:8080/hostname").exitCode()).isZero();
    assertThat(wget(containerOf("right"), "http://" + e.networks().get(OTHER) + ":" + e.containerPorts().get("http") + "/hostname")
        .exitCode()).as("the in-network face as published").isZero();
  }

  @Test
  void a_fixed_host_port_held_by_another_process_or_by_another_service_is_refused_before_anything_is_created() throws Exception {
    try (ServerSocket taken = new ServerSocket()) {
      taken.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
      int port = taken.getLocalPort();

      assertThatThrownBy(() -> orchestrator.apply(web("squatter").port(PortSpec.tcp("admin", 9090).withHostPort(port)).build()))
          .isInstanceOf(ValidationException.class)
          .hasMessageContaining("ports[1].hostPort")
          .hasMessageContaining(String.valueOf(port))
          .hasMessageContaining("another process");
    }
    assertThat(orchestrator.spec("squatter")).isEmpty();
    assertThat(node.list(OwnerLabels.ofService(instance, "squatter"))).isEmpty();

    int fixed = freePort();
    orchestrator.apply(web("owner").port(PortSpec.tcp("admin", 9090).withHostPort(fixed)).build());
    orchestrator.awaitReady("owner", READY);
    assertThat(orchestrator.registry().lookup("owner").endpoints().get(0).port("admin")).isEqualTo(fixed);
    assertThatThrownBy(() -> orchestrator.apply(web("thief").port(PortSpec.tcp("admin", 9090).withHostPort(fixed)).build()))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining(String.valueOf(fixed))
        .hasMessageContaining("service 'owner'");
    assertThat(node.list(OwnerLabels.ofService(instance, "thief"))).isEmpty();
  }

  @Test
  void the_networks_of_a_deleted_service_are_removed_and_a_foreign_network_it_joined_is_left_alone() throws Exception {
    String own = "solo-" + RUN;
    docker("network", "create", "--label", "com.example.owner=someone-else", FOREIGN);
    orchestrator.apply(sleeper("solo").network(own).network(FOREIGN).build());
    String solo = containerOf("solo");
    assertThat(networks.inspect(own).orElseThrow().labels()).containsEntry(OwnerLabels.INSTANCE, instance);
    assertThat(networks.inspect(FOREIGN).orElseThrow().containers()).containsExactly(solo);

    orchestrator.delete("solo");

    await().atMost(READY).until(() -> networks.inspect(own).isEmpty());
    NetworkInfo foreign = networks.inspect(FOREIGN).orElseThrow();
    assertThat(foreign.labels()).containsExactly(java.util.Map.entry("com.example.owner", "someone-else"));
    assertThat(foreign.containers()).isEmpty();
  }

  @Test
  void a_replica_on_an_internal_network_cannot_reach_a_host_outside_while_one_on_an_ordinary_network_can_and_publishes_ports_through_it() throws Exception {
    orchestrator.apply(NetworkSpec.named("sealed-" + RUN).internalOnly());
    orchestrator.apply(sleeper("sealed").network("sealed-" + RUN).build());
    orchestrator.apply(sleeper("open").network(OTHER).build());
    String sealed = containerOf("sealed");
    String open = containerOf("open");

    try (OutsideHost outside = new OutsideHost()) {
      await().atMost(READY).untilAsserted(() -> assertThat(wget(open, outside.url()).exitCode())
          .as("egress from an ordinary network").isZero());
      assertThat(wget(sealed, outside.url()).exitCode()).as("egress from an internal network").isNotZero();
    }
    assertThat(networks.inspect("sealed-" + RUN).orElseThrow().internal()).isTrue();

    // created on the internal network first, its port is still published through the ordinary one
    orchestrator.apply(web("bridgehead").network("sealed-" + RUN).network(OTHER).build());
    orchestrator.awaitReady("bridgehead", READY);
    Endpoint e = orchestrator.registry().lookup("bridgehead").endpoints().get(0);
    assertThat(get(e.host(), e.port("http"))).isEqualTo(200);
    assertThat(wget(sealed, "http://bridgehead:8080/hostname").exitCode()).as("reached on the internal network").isZero();
  }

  private static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  private static int get(String host, int port) throws IOException, InterruptedException {
    HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
    HttpRequest request = HttpRequest.newBuilder(URI.create("http://" + host + ":" + port + "/hostname"))
        .timeout(Duration.ofSeconds(3)).GET().build();
    return http.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
  }
}
