package dev.orchestrator.spec;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The {@link ServiceSpec#specHash()}: which fields of a spec decide whether its replicas are
 * replaced, and their canonical form (maps and sets sorted, fields in a fixed order), digested
 * with SHA-256 and cut to 12 hex digits. The replica count, priority and update policy stay out,
 * so that changing them replaces nothing; fields added after the first release enter only when set,
 * so that the hashes of existing specs (and the replicas labelled with them) stay. Stateless and
 * thread-safe.
 */
final class SpecHash {
  private SpecHash() {}

  /** The hash of the spec's replica-defining fields; called once, as the spec is built. */
  static String of(ServiceSpec spec) {
    Map<String, Object> canonical = new LinkedHashMap<>();
    canonical.put("image", spec.image());
    canonical.put("command", spec.command());
    canonical.put("env", new TreeMap<>(spec.env()));
    canonical.put("labels", new TreeMap<>(spec.labels()));
    canonical.put("ports", spec.ports());
    canonical.put("resources", spec.resources());
    canonical.put("restart", spec.restartPolicy());
    canonical.put("liveness", spec.liveness().orElse(null));
    canonical.put("readiness", spec.readiness().orElse(null));
    canonical.put("mounts", spec.mounts());
    canonical.put("networks", spec.networks());
    canonical.put("constraints", spec.constraints());
    canonical.put("stop", spec.stopGracePeriod());
    canonical.put("workdir", spec.workingDir());
    canonical.put("options", spec.options());
    // placement rules added later enter the hash only when set, so that existing hashes stay
    if (!spec.tolerations().isEmpty()) {
      canonical.put("tolerations", spec.tolerations());
    }
    if (!spec.antiAffinity().isEmpty()) {
      canonical.put("antiAffinity", new TreeSet<>(spec.antiAffinity()));
    }
    if (spec.maxPerNode() != 0) {
      canonical.put("maxPerNode", spec.maxPerNode());
    }
    try {
      byte[] digest =
          MessageDigest.getInstance("SHA-256").digest(canonical.toString().getBytes(StandardCharsets.UTF_8));
      return HexFormat.of().formatHex(digest, 0, 6);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
