package dev.orchestrator.docker;

import com.github.dockerjava.api.model.Frame;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Splits a followed log stream into lines and hands each to a consumer; a failing consumer is logged. */
final class LineForwarder extends StreamCallback<Frame> {
  private static final Logger log = LoggerFactory.getLogger(LineForwarder.class);
  private static final int MAX_LINE = 64 * 1024;
  private final Consumer<String> lines;
  private final StringBuilder partial = new StringBuilder();

  LineForwarder(Consumer<String> lines) {
    this.lines = lines;
  }

  @Override
  public synchronized void onNext(Frame frame) {
    byte[] payload = frame.getPayload();
    if (payload == null) {
      return;
    }
    partial.append(new String(payload, StandardCharsets.UTF_8));
    int end;
    while ((end = partial.indexOf("\n")) >= 0) {
      deliver(partial.substring(0, end));
      partial.delete(0, end + 1);
    }
    if (partial.length() > MAX_LINE) {
      deliver(partial.toString());
      partial.setLength(0);
    }
  }

  @Override
  public synchronized void onComplete() {
    if (partial.length() > 0) {
      deliver(partial.toString());
      partial.setLength(0);
    }
    super.onComplete();
  }

  private void deliver(String line) {
    try {
      lines.accept(line.endsWith("\r") ? line.substring(0, line.length() - 1) : line);
    } catch (RuntimeException e) {
      log.warn("log line consumer failed", e);
    }
  }
}
