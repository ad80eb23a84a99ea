package dev.orchestrator.network;

/** CIDR arithmetic for subnet clash detection, shared by network providers. */
public final class Subnets {
  private Subnets() {}

  /**
   * Whether two subnets share an address. IPv4 CIDRs are compared by range; anything else
   * (IPv6, malformed) only clashes when the strings are equal.
   */
  public static boolean overlap(String a, String b) {
    long[] x = ipv4Range(a);
    long[] y = ipv4Range(b);
    if (x == null || y == null) {
      return a.equals(b);
    }
    return x[0] <= y[1] && y[0] <= x[1];
  }

  /** {first, last} address of an IPv4 CIDR, or null if it is not one. */
  static long[] ipv4Range(String cidr) {
    String[] parts = cidr.split("/", -1);
    String[] octets = parts[0].split("\\.", -1);
    if (parts.length != 2 || octets.length != 4) {
      return null;
    }
    try {
      long address = 0;
      for (String octet : octets) {
        int value = Integer.parseInt(octet);
        if (value < 0 || value > 255) {
          return null;
        }
        address = address << 8 | value;
      }
      int prefix = Integer.parseInt(parts[1]);
      if (prefix < 0 || prefix > 32) {
        return null;
      }
      long size = 1L << (32 - prefix);
      long first = address & ~(size - 1) & 0xFFFFFFFFL;
      return new long[] {first, first + size - 1};
    } catch (NumberFormatException e) {
      return null;
    }
  }
}
