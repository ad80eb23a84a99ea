package dev.orchestrator.docker;

import com.github.dockerjava.api.model.Frame;
import com.github.dockerjava.api.model.StreamType;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.List;

/** Gathers the stdout and stderr frames of a log or exec stream, bounded in size. */
final class FrameCollector extends StreamCallback<Frame> {
  private static final int MAX_BYTES = 4 * 1024 * 1024;

  private final ByteArrayOutputStream stdout = new ByteArrayOutputStream();
  private final ByteArrayOutputStream stderr = new ByteArrayOutputStream();
  private final ByteArrayOutputStream combined = new ByteArrayOutputStream();

  @Override
  public synchronized void onNext(Frame frame) {
    byte[] payload = frame.getPayload();
    if (payload == null) {
      return;
    }
    append(frame.getStreamType() == StreamType.STDERR ? stderr : stdout, payload);
    append(combined, payload);
  }

  private static void append(ByteArrayOutputStream out, byte[] payload) {
    int room = MAX_BYTES - out.size();
    if (room > 0) {
      out.write(payload, 0, Math.min(room, payload.length));
    }
  }

  synchronized String stdout() {
    return stdout.toString(StandardCharsets.UTF_8);
  }

  synchronized String stderr() {
    return stderr.toString(StandardCharsets.UTF_8);
  }

  /** Both streams in arrival order, as lines without their line ends. */
  synchronized List<String> lines() {
    String all = combined.toString(StandardCharsets.UTF_8);
    return all.isEmpty() ? List.of() : all.lines().toList();
  }
}
