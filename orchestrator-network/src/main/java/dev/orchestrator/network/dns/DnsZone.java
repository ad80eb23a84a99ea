package dev.orchestrator.network.dns;

import dev.orchestrator.Subscription;
import dev.orchestrator.registry.EndpointSet;
import dev.orchestrator.registry.ServiceRegistry;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.ConcurrentHashMap;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * The registry's services as one DNS zone. Each service seen with endpoints has a slot holding its
 * current {@link ServiceRecords}, replaced (never mutated) on every watch delivery; query threads
 * read slots without locks. A service is watched from the start if it has endpoints then, or from
 * the first query for its name after it gets some; its slot stays (empty) when its endpoints go.
 */
final class DnsZone implements AutoCloseable {
  /** The UDP payload size this server advertises and honours at most with EDNS. */
  static final int EDNS_PAYLOAD = 1232;

  private final ServiceRegistry registry;
  private final ZoneConfig config;
  private final byte[] domainWire;
  private final ConcurrentHashMap<NameKey, Slot> slots = new ConcurrentHashMap<>();
  private final List<Subscription> subscriptions = new ArrayList<>(); // guarded by itself
  private boolean closed; // guarded by subscriptions

  DnsZone(ServiceRegistry registry, ZoneConfig config) {
    this.registry = registry;
    this.config = config;
    this.domainWire = config.domain().toWireCanonical();
    registry.services().forEach(this::slotFor);
  }

  /** The domain in lowercase wire form. */
  byte[] domainWire() {
    return domainWire;
  }

  /** The current records of the service whose label {@code probe} holds, without side effects; null if none. */
  ServiceRecords records(NameKey probe) {
    Slot slot = slots.get(probe);
    return slot == null ? null : slot.records;
  }

  /** Answers any query with dnsjava's message model: the general (slow) path. */
  Message respond(Message query) {
    Message response = response(query, config);
    Record question = query.getQuestion();
    if (query.getHeader().getOpcode() != Opcode.QUERY) {
      response.getHeader().setRcode(Rcode.NOTIMP);
      return response;
    }
    if (question == null || query.getSectionArray(Section.QUESTION).length != 1) {
      response.getHeader().setRcode(Rcode.FORMERR);
      return response;
    }
    Name name = question.getName();
    if (!name.subdomain(config.domain()) || (question.getDClass() != DClass.IN && question.getDClass() != DClass.ANY)) {
      response.getHeader().unsetFlag(Flags.AA);
      response.getHeader().setRcode(config.outsideRcode());
      return response;
    }
    int type = question.getType();
    if (name.equals(config.domain())) {
      if (type == Type.SOA || type == Type.ANY) {
        response.addRecord(config.soa(), Section.ANSWER);
      } else {
        ServiceRecords.negative(response, Rcode.NOERROR, config);
      }
      return response;
    }
    String label = name.getLabelString(name.labels() - config.domain().labels() - 1).toLowerCase(Locale.ROOT);
    ServiceRecords records = recordsOrWatch(label);
    if (records == null) {
      ServiceRecords.negative(response, Rcode.NXDOMAIN, config);
    } else {
      records.answer(response, name, type, config);
    }
    return response;
  }

  /**
   * An empty response to {@code query}: same id, RD copied, authoritative, the question echoed, and
   * an OPT record when the query had one.
   */
  static Message response(Message query, ZoneConfig config) {
    Message response = new Message(query.getHeader().getID());
    response.getHeader().setFlag(Flags.QR);
    response.getHeader().setFlag(Flags.AA);
    response.getHeader().setOpcode(query.getHeader().getOpcode());
    if (query.getHeader().getFlag(Flags.RD)) {
      response.getHeader().setFlag(Flags.RD);
    }
    if (query.getQuestion() != null) {
      response.addRecord(query.getQuestion(), Section.QUESTION);
    }
    if (query.getOPT() != null) {
      response.addRecord(new OPTRecord(EDNS_PAYLOAD, 0, 0), Section.ADDITIONAL);
    }
    return response;
  }

  /** Stops watching the registry. */
  @Override
  public void close() {
    List<Subscription> all;
    synchronized (subscriptions) {
      closed = true;
      all = List.copyOf(subscriptions);
      subscriptions.clear();
    }
    all.forEach(Subscription::close);
  }

  /** The service's records; for a service not yet watched, looks it up and watches it if it has endpoints. */
  private ServiceRecords recordsOrWatch(String label) {
    byte[] bytes = labelBytes(label);
    Slot slot = slots.get(new NameKey().set(bytes, 0, bytes.length, 0));
    if (slot != null) {
      return slot.records;
    }
    EndpointSet set = registry.lookup(label);
    if (set.isEmpty()) {
      return null;
    }
    slot = slotFor(label);
    return slot == null ? null : slot.records;
  }

  /**
   * The slot of a service, created, watched and filled on first use; null for names that are no DNS
   * label, or after close.
   */
  private Slot slotFor(String service) {
    Name name;
    try {
      name = Name.fromString(service.toLowerCase(Locale.ROOT), config.domain());
    } catch (TextParseException e) {
      return null;
    }
    NameKey key = NameKey.of(labelBytes(service.toLowerCase(Locale.ROOT)), 0);
    Slot fresh = new Slot(name);
    Slot existing = slots.putIfAbsent(key, fresh);
    if (existing != null) {
      if (existing.records == null) {
        existing.update(registry.lookup(service)); // its creator may not have filled it yet
      }
      return existing;
    }
    synchronized (subscriptions) {
      if (closed) {
        return null;
      }
      subscriptions.add(registry.watch(service, fresh::update));
    }
    fresh.update(registry.lookup(service)); // answer at once, before the watch's first delivery
    return fresh;
  }

  private static byte[] labelBytes(String label) {
    return label.getBytes(java.nio.charset.StandardCharsets.US_ASCII);
  }

  /** One service's current records: written by delivery threads (newer versions only), read by any thread. */
  private final class Slot {
    private final Name service;
    private volatile ServiceRecords records;
    private long version = -1; // guarded by this

    Slot(Name service) {
      this.service = service;
    }

    synchronized void update(EndpointSet set) {
      if (set.version() <= version) {
        return;
      }
      version = set.version();
      records = ServiceRecords.build(set, service, config, records);
    }
  }
}
