package dev.orchestrator.network.dns;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestrator.registry.Endpoint;
import dev.orchestrator.registry.InMemoryServiceRegistry;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Type;

/**
 * The precomputed fast path is an optimisation only: for any registry contents and any query (known
 * or unknown name, any letter case, any type, with or without RD) the bytes sent equal what the
 * general dnsjava path builds, and known names of the precomputed types do take the fast path.
 */
class FastPathProperties {

  record Replica(String service, int slot, int ip, int port) {}

  @Provide
  Arbitrary<List<Replica>> replicas() {
    Arbitrary<Replica> replica = Combinators.combine(
        Arbitraries.of("web", "db", "api-gw"), Arbitraries.integers().between(0, 40),
        Arbitraries.integers().between(1, 254), Arbitraries.integers().between(1, 65_535)).as(Replica::new);
    return replica.list().ofMaxSize(30);
  }

  @Property(tries = 60)
  void theFastPathSendsExactlyWhatTheGeneralPathBuilds(@ForAll("replicas") List<Replica> replicas, @ForAll long seed) throws Exception {
    Random random = new Random(seed);
    try (InMemoryServiceRegistry registry = new InMemoryServiceRegistry()) {
      for (Replica r : replicas) {
        registry.register(new Endpoint(r.service(), r.service() + "-" + r.slot(), "n", "10.1.0." + r.ip(),
            Map.of("http", r.port(), "admin", r.port() / 2 + 1), Map.of()));
      }
      ZoneConfig config = ZoneConfig.of("svc.local", 5, AddressFace.host(), org.xbill.DNS.Rcode.REFUSED);
      try (DnsZone zone = new DnsZone(registry, config)) {
        QueryHandler handler = new QueryHandler(zone);
        byte[] out = new byte[65_535];
        for (String name : names(replicas)) {
          for (int type : new int[] {Type.A, Type.AAAA, Type.SRV, Type.TXT}) {
            Message query = Message.newQuery(Record.newRecord(Name.fromString(randomCase(name, random)), type, DClass.IN));
            query.getHeader().setID(random.nextInt(65_536));
            if (random.nextBoolean()) {
              query.getHeader().unsetFlag(Flags.RD);
            }
            byte[] wire = query.toWire();
            boolean udp = random.nextBoolean();

            int n = handler.handle(wire, wire.length, out, udp);

            byte[] general = zone.respond(new Message(wire)).toWire(udp ? 512 : 65_535);
            assertThat(Arrays.copyOf(out, n)).as("%s %s udp=%s", name, Type.string(type), udp).isEqualTo(general);
            if (type != Type.TXT && registry.lookup(service(name)).size() > 0 && known(name, replicas)) {
              assertThat(handler.fast(wire, wire.length, new byte[65_535], udp)).as("fast path for %s", name).isPositive();
            }
          }
        }
      }
    }
  }

  private static List<String> names(List<Replica> replicas) {
    List<String> names = new ArrayList<>(List.of("svc.local.", "nobody.svc.local.", "example.com.", "_tcp.web.svc.local.",
        "web-99.web.svc.local.", "x.web-1.web.svc.local."));
    for (Replica r : replicas) {
      names.add(r.service() + ".svc.local.");
      names.add(r.service() + "-" + r.slot() + "." + r.service() + ".svc.local.");
      names.add("_http._tcp." + r.service() + ".svc.local.");
      names.add("_admin._tcp." + r.service() + ".svc.local.");
    }
    return names;
  }

  private static boolean known(String name, List<Replica> replicas) {
    return names(replicas).indexOf(name) >= 6;
  }

  private static String service(String name) {
    String[] labels = name.split("\\.");
    return labels.length >= 3 ? labels[labels.length - 3] : "";
  }

  private static String randomCase(String name, Random random) {
    StringBuilder b = new StringBuilder(name.length());
    for (char c : name.toCharArray()) {
      b.append(random.nextBoolean() ? Character.toUpperCase(c) : c);
    }
    return b.toString();
  }
}
