package dev.orchestrator.docker;

import com.github.dockerjava.core.RemoteApiVersion;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * A Docker Engine API version ("1.41"), and the negotiation that picks the one a runtime pins:
 * the highest version both the engine and docker-java support, never below {@link #FLOOR}.
 */
record ApiVersion(int major, int minor) implements Comparable<ApiVersion> {
  private static final Pattern FORMAT = Pattern.compile("(\\d+)\\.(\\d+)");

  /** The oldest API this library supports: Docker Engine 20.10. */
  static final ApiVersion FLOOR = new ApiVersion(1, 41);

  /** The newest API the docker-java on the class path knows (its highest {@code RemoteApiVersion} constant). */
  static final ApiVersion CLIENT_MAX = highestKnownToDockerJava();

  /** Parses "1.41"; throws {@link IllegalArgumentException} for anything else. */
  static ApiVersion parse(String text) {
    Matcher m = FORMAT.matcher(text == null ? "" : text.strip());
    if (!m.matches()) {
      throw new IllegalArgumentException("not an API version: '" + text + "'");
    }
    return new ApiVersion(Integer.parseInt(m.group(1)), Integer.parseInt(m.group(2)));
  }

  /** {@link #choose(String, String, ApiVersion)} with the docker-java on the class path. */
  static ApiVersion negotiate(String engineApi, String engineMin) {
    return choose(engineApi, engineMin, CLIENT_MAX);
  }

  /**
   * The version to pin: min(engine's {@code ApiVersion}, {@code clientMax}).
   *
   * @param engineMin the engine's {@code MinAPIVersion}; null or blank when the engine does not say
   * @throws IllegalStateException naming the versions when the choice is below the engine's
   *     minimum or below {@link #FLOOR}, or when the engine's answer cannot be read
   */
  static ApiVersion choose(String engineApi, String engineMin, ApiVersion clientMax) {
    ApiVersion engine;
    ApiVersion min;
    try {
      engine = parse(engineApi);
      min = engineMin == null || engineMin.isBlank() ? new ApiVersion(0, 0) : parse(engineMin);
    } catch (IllegalArgumentException e) {
      throw new IllegalStateException("the engine reported an unreadable API version (ApiVersion '" + engineApi
          + "', MinAPIVersion '" + engineMin + "')", e);
    }
    ApiVersion chosen = engine.compareTo(clientMax) < 0 ? engine : clientMax;
    if (chosen.compareTo(FLOOR) < 0) {
      throw new IllegalStateException("the engine speaks Docker API " + engine + " at most, but this library needs "
          + FLOOR + " or newer (Docker Engine 20.10+)");
    }
    if (chosen.compareTo(min) < 0) {
      throw new IllegalStateException("the engine accepts Docker API " + min + " or newer only, but docker-java supports "
          + clientMax + " at most: upgrade docker-java");
    }
    return chosen;
  }

  @Override
  public int compareTo(ApiVersion o) {
    return major != o.major ? Integer.compare(major, o.major) : Integer.compare(minor, o.minor);
  }

  RemoteApiVersion toRemote() {
    return RemoteApiVersion.create(major, minor);
  }

  @Override
  public String toString() {
    return major + "." + minor;
  }

  private static ApiVersion highestKnownToDockerJava() {
    ApiVersion max = FLOOR;
    for (Field f : RemoteApiVersion.class.getFields()) {
      if (Modifier.isStatic(f.getModifiers()) && f.getType() == RemoteApiVersion.class && f.getName().startsWith("VERSION_")) {
        try {
          ApiVersion candidate = parse(((RemoteApiVersion) f.get(null)).getVersion());
          max = candidate.compareTo(max) > 0 ? candidate : max;
        } catch (IllegalAccessException e) {
          throw new IllegalStateException(e);
        }
      }
    }
    return max;
  }
}
