package dev.orchestrator.spec;

import java.util.Objects;

/**
 * Lets a replica onto a node with a matching taint. A taint is a node label
 * {@code taint.<key>=<value>} (the value may be empty); a node with a taint takes only replicas
 * that tolerate it. There is one effect: no new replica is scheduled (running ones stay).
 *
 * @param key the taint key (without the {@code taint.} prefix)
 * @param value the taint value to tolerate, or empty to tolerate any value of the key
 */
public record Toleration(String key, String value) {
  /** Prefix of node labels that are taints. */
  public static final String TAINT_PREFIX = "taint.";

  public Toleration {
    Objects.requireNonNull(key, "key");
    value = value == null ? "" : value;
  }

  /** Tolerates {@code key=value}. */
  public static Toleration of(String key, String value) {
    return new Toleration(key, value);
  }

  /** Tolerates the key whatever its value. */
  public static Toleration any(String key) {
    return new Toleration(key, "");
  }

  /** Whether this tolerates the taint {@code key=value}. */
  public boolean tolerates(String taintKey, String taintValue) {
    return key.equals(taintKey) && (value.isEmpty() || value.equals(taintValue));
  }

  @Override
  public String toString() {
    return value.isEmpty() ? key : key + "=" + value;
  }
}
