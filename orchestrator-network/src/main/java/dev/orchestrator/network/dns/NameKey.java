package dev.orchestrator.network.dns;

import java.util.Arrays;

/**
 * A DNS name in wire form (a range of bytes) plus a record type, compared ignoring ASCII case.
 * Stored keys own lowercase copies; a query thread reuses one mutable probe over its receive
 * buffer, so a lookup allocates nothing.
 */
final class NameKey {
  private byte[] bytes;
  private int offset;
  private int length;
  private int type;
  private int hash;

  /** A stored key over a lowercase copy of {@code wire}. */
  static NameKey of(byte[] wire, int type) {
    byte[] lower = Arrays.copyOf(wire, wire.length);
    for (int i = 0; i < lower.length; i++) {
      lower[i] = lower(lower[i]);
    }
    return new NameKey().set(lower, 0, lower.length, type);
  }

  /** Points this (probe) key at {@code bytes[offset, offset + length)}; returns this. */
  NameKey set(byte[] bytes, int offset, int length, int type) {
    this.bytes = bytes;
    this.offset = offset;
    this.length = length;
    this.type = type;
    int h = type;
    for (int i = offset, end = offset + length; i < end; i++) {
      h = 31 * h + lower(bytes[i]);
    }
    this.hash = h;
    return this;
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof NameKey k) || k.hash != hash || k.type != type || k.length != length) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      if (lower(bytes[offset + i]) != lower(k.bytes[k.offset + i])) {
        return false;
      }
    }
    return true;
  }

  static byte lower(byte b) {
    return b >= 'A' && b <= 'Z' ? (byte) (b + ('a' - 'A')) : b;
  }
}
