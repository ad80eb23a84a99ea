package dev.orchestrator.network.dns;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.orchestrator.registry.Endpoint;
import dev.orchestrator.registry.InMemoryServiceRegistry;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/** The DNS face of the registry, asked through dnsjava's resolver over UDP and TCP. */
class DnsServerTest {
  private final InMemoryServiceRegistry registry = new InMemoryServiceRegistry();
  private DnsServer server;

  @AfterEach
  void close() {
    if (server != null) {
      server.close();
    }
    registry.close();
  }

  static Endpoint web(int slot, String host, int port) {
    return new Endpoint("web", "web-" + slot, "node-1", host, Map.of("http", port), Map.of("slot", "" + slot),
        Map.of("http", 8080), Map.of("app-net", "172.30.0." + (10 + slot)));
  }

  @Test
  void theServiceNameAnswersEveryReplicaOverUdpAndTcpWithAndWithoutEdns() throws Exception {
    registry.register(web(0, "127.0.0.1", 32001));
    registry.register(web(1, "10.0.0.2", 32002));
    server = DnsServer.builder(registry).start();

    for (boolean tcp : List.of(false, true)) {
      for (boolean edns : List.of(false, true)) {
        Message answer = ask("web.svc.local", Type.A, tcp, edns);
        assertThat(answer.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(answer.getHeader().getFlag(Flags.AA)).isTrue();
        assertThat(addresses(answer)).as("tcp=%s edns=%s", tcp, edns).containsExactlyInAnyOrder("127.0.0.1", "10.0.0.2");
        assertThat(answer.getSection(Section.ANSWER)).allSatisfy(r -> assertThat(r.getTTL()).isEqualTo(5));
      }
    }
  }

  @Test
  void aReplicaHasItsOwnNameAndSrvRecordsGivePortsAndTargets() throws Exception {
    registry.register(web(0, "127.0.0.1", 32001));
    registry.register(web(1, "127.0.0.1", 32002));
    server = DnsServer.builder(registry).start();

    assertThat(addresses(ask("web-1.web.svc.local", Type.A, false, false))).containsExactly("127.0.0.1");

    Message srv = ask("_http._tcp.web.svc.local", Type.SRV, false, false);
    assertThat(srv.getSection(Section.ANSWER)).hasSize(2).allSatisfy(r -> assertThat(r).isInstanceOf(SRVRecord.class));
    assertThat(srv.getSection(Section.ANSWER)).extracting(r -> ((SRVRecord) r).getPort()).containsExactlyInAnyOrder(32001, 32002);
    assertThat(srv.getSection(Section.ANSWER)).extracting(r -> ((SRVRecord) r).getTarget().toString())
        .containsExactlyInAnyOrder("web-0.web.svc.local.", "web-1.web.svc.local.");
    assertThat(srv.getSection(Section.ADDITIONAL)).extracting(r -> r.getName().toString())
        .contains("web-0.web.svc.local.", "web-1.web.svc.local.");
  }

  @Test
  void addressAnswersRotateWithTheQueryIdSoThatFirstPicksSpreadOverReplicas() throws Exception {
    for (int i = 0; i < 3; i++) {
      registry.register(web(i, "10.0.0." + (i + 1), 32000 + i));
    }
    server = DnsServer.builder(registry).start();

    for (boolean edns : List.of(false, true)) {
      java.util.Set<String> firsts = new java.util.HashSet<>();
      for (int id = 0; id < 3; id++) {
        Message query = Message.newQuery(Record.newRecord(Name.fromString("web.svc.local."), Type.A, DClass.IN));
        query.getHeader().setID(id);
        SimpleResolver resolver = new SimpleResolver(server.address());
        resolver.setEDNS(edns ? 0 : -1, edns ? 1232 : 0, 0, List.of());
        List<String> addresses = addresses(resolver.send(query));
        assertThat(addresses).containsExactlyInAnyOrder("10.0.0.1", "10.0.0.2", "10.0.0.3");
        firsts.add(addresses.get(0));
      }
      assertThat(firsts).as("edns=%s", edns).hasSize(3);
    }
  }

  @Test
  void unknownNamesAreNxdomainKnownNamesWithoutTheTypeAreNodataAndOutsideNamesAreRefused() throws Exception {
    registry.register(web(0, "127.0.0.1", 32001));
    server = DnsServer.builder(registry).ttl(Duration.ofSeconds(3)).start();

    for (boolean tcp : List.of(false, true)) {
      Message unknown = ask("nothing.svc.local", Type.A, tcp, false);
      assertThat(unknown.getRcode()).isEqualTo(Rcode.NXDOMAIN);
      assertThat(unknown.getSection(Section.AUTHORITY)).singleElement().satisfies(soa -> {
        assertThat(soa.getType()).isEqualTo(Type.SOA);
        assertThat(soa.getTTL()).isEqualTo(3);
      });
      assertThat(ask("web-7.web.svc.local", Type.A, tcp, false).getRcode()).isEqualTo(Rcode.NXDOMAIN);

      Message aaaa = ask("web.svc.local", Type.AAAA, tcp, false);
      assertThat(aaaa.getRcode()).isEqualTo(Rcode.NOERROR);
      assertThat(aaaa.getSection(Section.ANSWER)).isEmpty();
      assertThat(ask("_tcp.web.svc.local", Type.A, tcp, false).getRcode()).as("empty non-terminal").isEqualTo(Rcode.NOERROR);

      assertThat(ask("example.com", Type.A, tcp, false).getRcode()).isEqualTo(Rcode.REFUSED);
      assertThat(ask("svc.local", Type.SOA, tcp, false).getSection(Section.ANSWER)).singleElement()
          .satisfies(r -> assertThat(r.getType()).isEqualTo(Type.SOA));
    }
  }

  @Test
  void theAnswerToOutsideNamesIsConfigurable() throws Exception {
    server = DnsServer.builder(registry).outside(DnsServer.Outside.NXDOMAIN).domain("apps.test").start();

    assertThat(ask("example.com", Type.A, false, false).getRcode()).isEqualTo(Rcode.NXDOMAIN);
    assertThat(server.domain()).isEqualTo("apps.test");
  }

  @Test
  void aDeregisteredReplicaDisappearsAndALaterServiceAppears() throws Exception {
    registry.register(web(0, "127.0.0.1", 32001));
    registry.register(web(1, "10.0.0.2", 32002));
    server = DnsServer.builder(registry).start();
    assertThat(addresses(ask("web.svc.local", Type.A, false, false))).hasSize(2);

    registry.deregister("web", "web-1");
    await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
      assertThat(addresses(ask("web.svc.local", Type.A, false, false))).containsExactly("127.0.0.1");
      assertThat(ask("web-1.web.svc.local", Type.A, false, false).getRcode()).isEqualTo(Rcode.NXDOMAIN);
      assertThat(ask("_http._tcp.web.svc.local", Type.SRV, true, false).getSection(Section.ANSWER)).hasSize(1);
    });

    registry.deregister("web", "web-0");
    await().atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(ask("web.svc.local", Type.A, false, false).getRcode()).isEqualTo(Rcode.NXDOMAIN));

    registry.register(new Endpoint("db", "db-0", "node-1", "127.0.0.1", Map.of("pg", 5432), Map.of()));
    assertThat(addresses(ask("db.svc.local", Type.A, false, false))).containsExactly("127.0.0.1");
  }

  @Test
  void theNetworkFaceGivesContainerAddressesAndPortsAndLeavesOutReplicasOffThatNetwork() throws Exception {
    registry.register(web(0, "127.0.0.1", 32001));
    registry.register(new Endpoint("web", "web-1", "node-1", "127.0.0.1", Map.of("http", 32002), Map.of(), Map.of("http", 8080), Map.of()));
    server = DnsServer.builder(registry).face(AddressFace.network("app-net")).start();

    assertThat(addresses(ask("web.svc.local", Type.A, false, false))).containsExactly("172.30.0.10");
    Message srv = ask("_http._tcp.web.svc.local", Type.SRV, false, false);
    assertThat(srv.getSection(Section.ANSWER)).singleElement().satisfies(r -> assertThat(((SRVRecord) r).getPort()).isEqualTo(8080));
    assertThat(ask("web-1.web.svc.local", Type.A, false, false).getRcode()).isEqualTo(Rcode.NXDOMAIN);
  }

  @Test
  void namesMatchInAnyLetterCaseAndTheQuestionIsEchoedAsAsked() throws Exception {
    registry.register(web(0, "127.0.0.1", 32001));
    server = DnsServer.builder(registry).start();

    Message answer = ask("WeB-0.wEb.SVC.Local", Type.A, false, false);

    assertThat(addresses(answer)).containsExactly("127.0.0.1");
    assertThat(answer.getQuestion().getName().toString()).isEqualTo("WeB-0.wEb.SVC.Local.");
  }

  @Test
  void anAnswerTooLargeForUdpIsTruncatedAndCompleteOverTcp() throws Exception {
    for (int i = 0; i < 60; i++) {
      registry.register(web(i, "10.0.1." + (i + 1), 32000 + i));
    }
    server = DnsServer.builder(registry).start();

    Message udp = ask("web.svc.local", Type.A, false, false, false);
    assertThat(udp.getHeader().getFlag(Flags.TC)).isTrue();
    assertThat(addresses(ask("web.svc.local", Type.A, true, false))).hasSize(60);
  }

  @Test
  void aServiceOfMoreThanAThousandReplicasAnswersItsFirstThousandOverTcp() throws Exception {
    for (int i = 0; i < 1_200; i++) {
      registry.register(web(i, "10.2." + (i / 250) + "." + (i % 250 + 1), 32000));
    }
    server = DnsServer.builder(registry).start();

    assertThat(addresses(ask("web.svc.local", Type.A, true, false))).hasSize(1_000).doesNotHaveDuplicates();
    assertThat(ask("_http._tcp.web.svc.local", Type.SRV, true, false).getSection(Section.ANSWER)).hasSize(1_000);
    assertThat(addresses(ask("web-1199.web.svc.local", Type.A, false, false))).containsExactly("10.2.4.200");
  }

  @Test
  void aChangedReplicaAnswersItsNewAddressWhileUnchangedOnesKeepTheirs() throws Exception {
    registry.register(web(0, "10.0.0.1", 32001));
    registry.register(web(1, "10.0.0.2", 32002));
    server = DnsServer.builder(registry).start();
    assertThat(addresses(ask("web-1.web.svc.local", Type.A, false, false))).containsExactly("10.0.0.2");

    registry.register(web(1, "10.0.0.9", 32009));

    await().atMost(Duration.ofSeconds(10))
        .untilAsserted(() -> assertThat(addresses(ask("web-1.web.svc.local", Type.A, false, false))).containsExactly("10.0.0.9"));
    assertThat(addresses(ask("web-0.web.svc.local", Type.A, false, false))).containsExactly("10.0.0.1");
    assertThat(addresses(ask("web.svc.local", Type.A, false, false))).containsExactlyInAnyOrder("10.0.0.1", "10.0.0.9");
    assertThat(ask("_http._tcp.web.svc.local", Type.SRV, false, false).getSection(Section.ANSWER))
        .extracting(r -> ((SRVRecord) r).getPort()).containsExactlyInAnyOrder(32001, 32009);
  }

  @Test
  void garbageAndResponsesGetNoAnswerOrFormerrAndTheServerKeepsAnswering() throws Exception {
    registry.register(web(0, "127.0.0.1", 32001));
    server = DnsServer.builder(registry).start();
    try (DatagramSocket socket = new DatagramSocket()) {
      socket.setSoTimeout(5_000);
      byte[] garbage = {0x12, 0x34, 0, 0, 0, 1, 0, 0, 0, 0, 0, 0, 5, 'a'};
      socket.send(new DatagramPacket(garbage, garbage.length, server.address()));
      DatagramPacket reply = new DatagramPacket(new byte[512], 512);
      socket.receive(reply);
      Message formerr = new Message(Arrays.copyOf(reply.getData(), reply.getLength()));
      assertThat(formerr.getHeader().getID()).isEqualTo(0x1234);
      assertThat(formerr.getRcode()).isEqualTo(Rcode.FORMERR);
      byte[] tiny = {1, 2, 3};
      socket.send(new DatagramPacket(tiny, tiny.length, server.address()));
    }

    assertThat(addresses(ask("web.svc.local", Type.A, false, false))).containsExactly("127.0.0.1");
  }

  @Test
  void closingFreesThePortAndEndsTheThreads() throws Exception {
    server = DnsServer.builder(registry).udpThreads(3).start();
    InetSocketAddress address = server.address();
    server.close();

    assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().startsWith("dns-") && t.getName().contains("-" + address.getPort()));
    server = DnsServer.builder(registry).bind("127.0.0.1", address.getPort()).start();
    assertThat(server.address().getPort()).isEqualTo(address.getPort());
  }

  @Test
  void aTakenPortIsAClearErrorAndLeavesNothingBound() throws Exception {
    try (DatagramSocket taken = new DatagramSocket(0, loopback())) {
      int port = taken.getLocalPort();

      assertThatThrownBy(() -> DnsServer.builder(registry).bind("127.0.0.1", port).start())
          .isInstanceOf(java.io.UncheckedIOException.class).hasMessageContaining("127.0.0.1:" + port);
    }
    assertThat(Thread.getAllStackTraces().keySet()).noneMatch(t -> t.getName().startsWith("dns-"));
  }

  @Test
  void badSettingsAreRejectedNamingTheValue() {
    assertThatThrownBy(() -> DnsServer.builder(registry).domain("bad..name").start()).hasMessageContaining("bad..name");
    assertThatThrownBy(() -> DnsServer.builder(registry).ttl(Duration.ofDays(2))).hasMessageContaining("PT48H");
    assertThatThrownBy(() -> DnsServer.builder(registry).bind("127.0.0.1", 70_000)).hasMessageContaining("70000");
    assertThatThrownBy(() -> DnsServer.builder(registry).udpThreads(0)).hasMessageContaining("udpThreads");
  }

  private Message ask(String name, int type, boolean tcp, boolean edns) throws IOException {
    return ask(name, type, tcp, edns, true);
  }

  private Message ask(String name, int type, boolean tcp, boolean edns, boolean retryTruncated) throws IOException {
    SimpleResolver resolver = new SimpleResolver(server.address());
    resolver.setTCP(tcp);
    resolver.setTimeout(Duration.ofSeconds(5));
    resolver.setIgnoreTruncation(!retryTruncated);
    if (edns) {
      resolver.setEDNS(0, 1232, 0, List.of());
    } else {
      resolver.setEDNS(-1, 0, 0, List.of());
    }
    Message query = Message.newQuery(Record.newRecord(Name.fromString(name + "."), type, DClass.IN));
    return resolver.send(query);
  }

  private static List<String> addresses(Message answer) {
    return Arrays.stream(answer.getSection(Section.ANSWER).toArray(new Record[0]))
        .filter(ARecord.class::isInstance)
        .map(r -> ((ARecord) r).getAddress().getHostAddress())
        .toList();
  }

  static InetAddress loopback() {
    return InetAddress.getLoopbackAddress();
  }
}
