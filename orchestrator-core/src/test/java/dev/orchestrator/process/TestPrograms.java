package dev.orchestrator.process;

import java.net.URISyntaxException;
import java.nio.file.Path;
import java.util.List;

/** Argv of the programs process-runtime tests run. */
final class TestPrograms {
  private TestPrograms() {}

  /** Runs {@code mainClass} from the test classes in a small, quickly starting JVM. */
  static List<String> java(Class<?> mainClass) {
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    return List.of(java, "-Xshare:auto", "-XX:TieredStopAtLevel=1", "-XX:+UseSerialGC", "-Xmx32m",
        "-cp", classesOf(mainClass), mainClass.getName());
  }

  /** {@code /bin/sh -c}: the spec's command is the script. */
  static List<String> shell() {
    return List.of("/bin/sh", "-c");
  }

  private static String classesOf(Class<?> type) {
    try {
      return Path.of(type.getProtectionDomain().getCodeSource().getLocation().toURI()).toString();
    } catch (URISyntaxException e) {
      throw new IllegalStateException(e);
    }
  }
}
