package dev.orchestrator.network.dns;

import dev.orchestrator.registry.Endpoint;
import dev.orchestrator.registry.EndpointSet;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Address;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * The immutable DNS view of one service at one registry version: its records by owner name, and
 * the finished responses (wire bytes, query id 0) for every owner name and the types A, AAAA and
 * SRV, which the query threads copy and patch. Built on a registry delivery thread, read by any.
 *
 * <p>Names: {@code <service>.<domain>} holds the A/AAAA records of every endpoint;
 * {@code <endpoint-id>.<service>.<domain>} (ids are {@code <service>-<slot>}) holds one endpoint's;
 * {@code _<port-name>._tcp.<service>.<domain>} holds an SRV record per endpoint with that port,
 * targeting the endpoint's own name (whose address records ride in the additional section, for the
 * first 32 targets).
 */
final class ServiceRecords {
  private static final Logger log = LoggerFactory.getLogger(ServiceRecords.class);
  /** The types whose responses are precomputed; other types take the slow path. */
  private static final int[] PRECOMPUTED = {Type.A, Type.AAAA, Type.SRV};
  /** The largest UDP response without EDNS (RFC 1035). */
  static final int UDP_PLAIN_MAX = 512;

  /**
   * SRV answers carry the addresses of at most this many targets (the rest are a query away); more
   * would not fit a UDP answer anyway, and every extra name costs compression work when rendering.
   */
  private static final int ADDITIONAL_TARGETS = 32;
  /** Starting points of rotated A/AAAA answers at most. */
  static final int ROTATIONS = 8;
  /**
   * Records per answer at most (the first by endpoint id). A TCP answer holds about 4,000 A records,
   * a UDP one 28, and dnsjava renders a section in time quadratic in its size.
   */
  static final int MAX_ANSWERS = 1_000;
  /** The largest DNS message (TCP's length prefix is 16 bits). */
  static final int MAX_MESSAGE = 65_535;

  private final Map<Name, List<Record>> byName;
  /** The endpoint behind each per-replica name, so that the next version can reuse its responses. */
  private final Map<Name, Endpoint> replicas;
  /** Keyed by the owner name's wire bytes before the service label, and the type: {udp, tcp} responses. */
  private final Map<NameKey, byte[][]> responses = new HashMap<>();

  private ServiceRecords(Map<Name, List<Record>> byName, Map<Name, Endpoint> replicas, Name service, ZoneConfig config,
      ServiceRecords previous) {
    this.byName = byName;
    this.replicas = replicas;
    int serviceWireLength = service.toWireCanonical().length;
    for (Name owner : byName.keySet()) {
      byte[] wire = owner.toWireCanonical();
      byte[] prefix = java.util.Arrays.copyOf(wire, wire.length - serviceWireLength);
      Endpoint replica = replicas.get(owner);
      boolean reuse = replica != null && previous != null && replica.equals(previous.replicas.get(owner));
      for (int type : PRECOMPUTED) {
        NameKey key = NameKey.of(prefix, type);
        responses.put(key, reuse ? previous.responses.get(key) : renderAll(owner, type, config));
      }
    }
  }

  /** The responses to a plain query for {@code owner} and {@code type}: {udp, tcp} for each rotation. */
  private byte[][] renderAll(Name owner, int type, ZoneConfig config) {
    int rotations = rotations(byName.get(owner), type);
    byte[][] all = new byte[2 * rotations][];
    for (int id = 0; id < rotations; id++) {
      byte[][] both = render(owner, type, id, config);
      all[2 * id] = both[0];
      all[2 * id + 1] = both[1];
    }
    return all;
  }

  /** The {udp, tcp} responses to a plain query with {@code id} for {@code owner} and {@code type}. */
  private byte[][] render(Name owner, int type, int id, ZoneConfig config) {
    Message query = Message.newQuery(Record.newRecord(owner, type, DClass.IN));
    query.getHeader().setID(id);
    query.getHeader().unsetFlag(Flags.RD);
    Message response = DnsZone.response(query, config);
    answer(response, owner, type, config);
    byte[] full = response.toWire();
    byte[] tcp = full.length <= MAX_MESSAGE ? full : response.toWire(MAX_MESSAGE);
    byte[] udp = full.length <= UDP_PLAIN_MAX ? full : response.toWire(UDP_PLAIN_MAX);
    return new byte[][] {udp, tcp};
  }

  /**
   * The records of {@code set} under {@code service} (a name in the zone), or null when no endpoint
   * has an address. Responses of replicas unchanged since {@code previous} (may be null) are reused.
   */
  static ServiceRecords build(EndpointSet set, Name service, ZoneConfig config, ServiceRecords previous) {
    Map<Name, List<Record>> byName = new LinkedHashMap<>();
    Map<Name, Endpoint> replicas = new HashMap<>();
    Set<InetAddress> serviceAddresses = new HashSet<>(); // replicas may share an address (the host face's 127.0.0.1)
    for (Endpoint endpoint : set.endpoints()) {
      InetAddress address = literal(config.face().address(endpoint));
      if (address == null) {
        log.debug("{} has no address literal on the {} face; left out of DNS", endpoint.id(), config.face());
        continue;
      }
      Name replica;
      try {
        replica = Name.fromString(endpoint.id().toLowerCase(java.util.Locale.ROOT), service);
      } catch (TextParseException e) {
        log.debug("endpoint id {} is not a DNS label; left out of DNS", endpoint.id());
        continue;
      }
      if (serviceAddresses.add(address)) {
        add(byName, service, addressRecord(service, address, config.ttl()));
      }
      add(byName, replica, addressRecord(replica, address, config.ttl()));
      replicas.put(replica, endpoint);
      config.face().ports(endpoint).forEach((portName, port) -> {
        try {
          Name srv = Name.fromString("_" + portName.toLowerCase(java.util.Locale.ROOT) + "._tcp", service);
          add(byName, srv, new SRVRecord(srv, DClass.IN, config.ttl(), 0, 1, port, replica));
        } catch (TextParseException e) {
          log.debug("port name {} of {} is not a DNS label; no SRV record", portName, endpoint.id());
        }
      });
    }
    if (byName.isEmpty()) {
      return null;
    }
    return new ServiceRecords(byName, replicas, service, config, previous);
  }

  /** The precomputed response for the owner-name prefix and type in {@code probe} and the query id, or null. */
  byte[] precomputed(NameKey probe, int id, boolean udp) {
    byte[][] all = responses.get(probe);
    return all == null ? null : all[2 * (id % (all.length / 2)) + (udp ? 0 : 1)];
  }

  /**
   * How many orders an answer of {@code type} from {@code records} comes in: A and AAAA answers
   * rotate by the query id over up to {@value #ROTATIONS} starting records, so that clients taking
   * the first address spread over the replicas.
   */
  private static int rotations(List<Record> records, int type) {
    if (type != Type.A && type != Type.AAAA) {
      return 1;
    }
    int count = 0;
    for (Record record : records) {
      count += record.getType() == type ? 1 : 0;
    }
    return Math.max(1, Math.min(count, ROTATIONS));
  }

  /**
   * Adds the answer for {@code name} and {@code type} (within this service) to {@code response}:
   * records (with SRV targets' addresses as additional records), else NODATA or NXDOMAIN with the SOA.
   */
  void answer(Message response, Name name, int type, ZoneConfig config) {
    List<Record> records = byName.get(name);
    if (records == null) {
      negative(response, hasNamesBelow(name) ? Rcode.NOERROR : Rcode.NXDOMAIN, config);
      return;
    }
    Set<Name> targets = new HashSet<>();
    int answers = 0;
    int n = records.size();
    int start = firstOfRotation(records, type, response.getHeader().getID());
    for (int i = 0; i < n; i++) {
      Record record = records.get((start + i) % n);
      if ((type == Type.ANY || record.getType() == type) && answers < MAX_ANSWERS) {
        response.addRecord(record, Section.ANSWER);
        answers++;
        if (record instanceof SRVRecord srv && targets.size() < ADDITIONAL_TARGETS && targets.add(srv.getTarget())) {
          for (Record target : byName.getOrDefault(srv.getTarget(), List.of())) {
            if (!(target instanceof SRVRecord)) {
              response.addRecord(target, Section.ADDITIONAL);
            }
          }
        }
      }
    }
    if (answers == 0) {
      negative(response, Rcode.NOERROR, config);
    }
  }

  /** The index an answer starts at: the (id mod rotations)-th record of the type, or 0. */
  private static int firstOfRotation(List<Record> records, int type, int id) {
    int skip = id % rotations(records, type);
    for (int i = 0; i < records.size(); i++) {
      if (records.get(i).getType() == type && skip-- == 0) {
        return i;
      }
    }
    return 0;
  }

  static void negative(Message response, int rcode, ZoneConfig config) {
    response.getHeader().setRcode(rcode);
    response.addRecord(config.soa(), Section.AUTHORITY);
  }

  /** Whether {@code name} is an empty non-terminal (such as {@code _tcp.web.svc.local}). */
  private boolean hasNamesBelow(Name name) {
    for (Name owner : byName.keySet()) {
      if (owner.subdomain(name)) {
        return true;
      }
    }
    return false;
  }

  private static Record addressRecord(Name name, InetAddress address, long ttl) {
    return address instanceof Inet4Address ? new ARecord(name, DClass.IN, ttl, address) : new AAAARecord(name, DClass.IN, ttl, address);
  }

  private static void add(Map<Name, List<Record>> byName, Name name, Record record) {
    byName.computeIfAbsent(name, n -> new ArrayList<>()).add(record);
  }

  /** An IP literal (never a lookup), or null. */
  private static InetAddress literal(String address) {
    if (address == null) {
      return null;
    }
    int family = Address.isDottedQuad(address) ? Address.IPv4 : address.indexOf(':') >= 0 ? Address.IPv6 : 0;
    if (family == 0) {
      return null;
    }
    try {
      return Address.getByAddress(address, family);
    } catch (UnknownHostException e) {
      return null;
    }
  }
}
