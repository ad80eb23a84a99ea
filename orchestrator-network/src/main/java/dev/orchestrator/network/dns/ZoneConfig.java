package dev.orchestrator.network.dns;

import org.xbill.DNS.DClass;
import org.xbill.DNS.Name;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.TextParseException;

/**
 * What a zone answers with: its domain, the TTL of every record, the address face, the rcode for
 * names outside the domain, and the SOA record that negative answers carry (its minimum is the TTL,
 * so resolvers cache a miss no longer than a hit).
 */
record ZoneConfig(Name domain, long ttl, AddressFace face, int outsideRcode, SOARecord soa) {

  static ZoneConfig of(String domain, long ttl, AddressFace face, int outsideRcode) {
    Name name;
    Name ns;
    Name hostmaster;
    try {
      name = Name.fromString(domain.endsWith(".") ? domain : domain + ".");
      ns = Name.fromString("ns", name);
      hostmaster = Name.fromString("hostmaster", name);
    } catch (TextParseException e) {
      throw new IllegalArgumentException("domain '" + domain + "' is not a DNS name: " + e.getMessage(), e);
    }
    if (name.labels() < 2) {
      throw new IllegalArgumentException("domain '" + domain + "' must not be the root");
    }
    SOARecord soa = new SOARecord(name, DClass.IN, ttl, ns,
        hostmaster, 1, 3600, 600, 86400, ttl);
    return new ZoneConfig(name, ttl, face, outsideRcode, soa);
  }
}
