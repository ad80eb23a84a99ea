package dev.orchestrator.spec;

import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * A named volume: storage that outlives the containers mounting it.
 *
 * @param name DNS-label-like name, unique per orchestrator
 * @param driver the backend driver ("local" by default)
 * @param options driver options
 * @param labels user labels (ownership labels are added by the provider)
 * @param retention what happens to the volume when no declared service uses it any longer
 */
public record VolumeSpec(String name, String driver, Map<String, String> options, Map<String, String> labels, Retention retention) {
  /** Whether a volume survives the deletion of the services that use it. */
  public enum Retention {
    /** Kept after the last service using it is deleted, and on close (the default). */
    RETAIN,
    /** Removed once no declared service mounts it. */
    DELETE
  }

  public VolumeSpec {
    Objects.requireNonNull(name, "name");
    driver = driver == null || driver.isEmpty() ? "local" : driver;
    options = Map.copyOf(new TreeMap<>(options == null ? Map.of() : options));
    labels = Map.copyOf(new TreeMap<>(labels == null ? Map.of() : labels));
    retention = retention == null ? Retention.RETAIN : retention;
  }

  public static VolumeSpec named(String name) {
    return new VolumeSpec(name, "local", Map.of(), Map.of(), Retention.RETAIN);
  }

  public VolumeSpec withDriver(String driver, Map<String, String> options) {
    return new VolumeSpec(name, driver, options, labels, retention);
  }

  public VolumeSpec withLabels(Map<String, String> labels) {
    return new VolumeSpec(name, driver, options, labels, retention);
  }

  public VolumeSpec withRetention(Retention retention) {
    return new VolumeSpec(name, driver, options, labels, retention);
  }
}
