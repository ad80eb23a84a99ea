package dev.orchestrator.network.dns;

import java.io.IOException;
import java.util.Arrays;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;

/**
 * Turns one query into one response. Not thread-safe: each listener thread owns one.
 *
 * <p>Fast path (no allocation): a plain query (one question of class IN, no other records, no
 * compression) for a name whose response is precomputed gets those bytes with the query's id, RD
 * flag and question bytes (for the asker's letter case) copied in. Everything else goes through
 * dnsjava's parser and {@link DnsZone#respond}.
 */
final class QueryHandler {
  private static final int HEADER = 12;

  private final DnsZone zone;
  private final byte[] domain;
  private final NameKey probe = new NameKey();

  QueryHandler(DnsZone zone) {
    this.zone = zone;
    this.domain = zone.domainWire();
  }

  /**
   * Writes the response to {@code query[0, length)} into {@code out} (at least 65,535 bytes).
   *
   * @return the response length, or 0 to send nothing (not a query, or too short to answer)
   */
  int handle(byte[] query, int length, byte[] out, boolean udp) {
    int n = fast(query, length, out, udp);
    return n > 0 ? n : slow(query, length, out, udp);
  }

  /** The fast path alone: the response length, or 0 when the query needs the slow path. */
  int fast(byte[] q, int length, byte[] out, boolean udp) {
    if (length < HEADER + 5 || (q[2] & 0xF8) != 0 // QR and opcode clear
        || q[4] != 0 || q[5] != 1 || (q[6] | q[7] | q[8] | q[9] | q[10] | q[11]) != 0) {
      return 0;
    }
    int end = HEADER;
    while (true) {
      int label = q[end] & 0xFF;
      if (label > 63) {
        return 0;
      }
      end += label + 1;
      if (label == 0) {
        break;
      }
      if (end >= length) {
        return 0;
      }
    }
    if (end + 4 != length || q[end + 2] != 0 || q[end + 3] != 1) { // exactly qtype and class IN follow
      return 0;
    }
    int domainStart = end - domain.length;
    if (domainStart <= HEADER) {
      return 0;
    }
    for (int i = 0; i < domain.length; i++) {
      if (NameKey.lower(q[domainStart + i]) != domain[i]) {
        return 0;
      }
    }
    int serviceLabel = -1;
    int at = HEADER;
    while (at < domainStart) {
      serviceLabel = at;
      at += (q[at] & 0xFF) + 1;
    }
    if (at != domainStart) {
      return 0;
    }
    ServiceRecords records = zone.records(probe.set(q, serviceLabel + 1, q[serviceLabel] & 0xFF, 0));
    if (records == null) {
      return 0;
    }
    int type = (q[end] & 0xFF) << 8 | (q[end + 1] & 0xFF);
    int id = (q[0] & 0xFF) << 8 | (q[1] & 0xFF);
    byte[] response = records.precomputed(probe.set(q, HEADER, serviceLabel - HEADER, type), id, udp);
    if (response == null) {
      return 0;
    }
    System.arraycopy(response, 0, out, 0, response.length);
    out[0] = q[0];
    out[1] = q[1];
    out[2] |= (byte) (q[2] & 0x01); // RD
    System.arraycopy(q, HEADER, out, HEADER, length - HEADER);
    return response.length;
  }

  private int slow(byte[] q, int length, byte[] out, boolean udp) {
    if (length < HEADER || (q[2] & 0x80) != 0) {
      return 0; // no header to answer, or a response
    }
    Message response;
    int max = udp ? ServiceRecords.UDP_PLAIN_MAX : ServiceRecords.MAX_MESSAGE;
    try {
      Message query = new Message(Arrays.copyOf(q, length));
      response = zone.respond(query);
      OPTRecord opt = query.getOPT();
      if (udp && opt != null) {
        max = Math.max(ServiceRecords.UDP_PLAIN_MAX, Math.min(opt.getPayloadSize(), DnsZone.EDNS_PAYLOAD));
      }
    } catch (IOException e) {
      response = new Message((q[0] & 0xFF) << 8 | (q[1] & 0xFF));
      response.getHeader().setFlag(Flags.QR);
      response.getHeader().setRcode(Rcode.FORMERR);
    }
    byte[] wire = response.toWire(max);
    System.arraycopy(wire, 0, out, 0, wire.length);
    return wire.length;
  }
}
