package dev.orchestrator.runtime;

import dev.orchestrator.Subscription;
import java.util.function.Consumer;
import org.slf4j.Logger;

/**
 * Optional capability of a runtime that can follow a container's output as it is written (the
 * Docker runtime). Lines arrive on a thread the runtime owns, stdout and stderr interleaved in
 * arrival order, without their line ends.
 */
public interface LogStreaming {

  /**
   * Delivers the last {@code tailLines} lines, then every new line, until the subscription is
   * closed or the container stops.
   */
  Subscription followLogs(String containerId, int tailLines, Consumer<String> lines);

  /** A consumer that writes each line to an SLF4J logger at INFO, prefixed with {@code prefix}. */
  static Consumer<String> toSlf4j(Logger logger, String prefix) {
    return line -> logger.info("{}{}", prefix, line);
  }
}
