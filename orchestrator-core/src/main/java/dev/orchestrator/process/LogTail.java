package dev.orchestrator.process;

import java.io.IOException;
import java.io.RandomAccessFile;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** Reads the last lines of a (possibly large, still growing) log file from its end. */
final class LogTail {
  private static final int CHUNK = 8192;

  private LogTail() {}

  /** The last {@code lines} lines of {@code file}; empty if it does not exist or {@code lines <= 0}. */
  static List<String> read(Path file, int lines) throws IOException {
    if (lines <= 0 || !Files.exists(file)) {
      return List.of();
    }
    try (RandomAccessFile raf = new RandomAccessFile(file.toFile(), "r")) {
      long end = raf.length();
      long from = findStart(raf, end, lines);
      byte[] tail = new byte[(int) (end - from)];
      raf.seek(from);
      raf.readFully(tail);
      List<String> result = new ArrayList<>(Arrays.asList(new String(tail, StandardCharsets.UTF_8).split("\r?\n", -1)));
      if (!result.isEmpty() && result.get(result.size() - 1).isEmpty()) {
        result.remove(result.size() - 1);
      }
      return List.copyOf(result);
    }
  }

  /** Offset of the first byte of the last {@code lines} lines (a final line break ends, not starts, a line). */
  private static long findStart(RandomAccessFile raf, long end, int lines) throws IOException {
    byte[] buffer = new byte[CHUNK];
    long pos = end;
    int breaks = 0;
    while (pos > 0) {
      int n = (int) Math.min(CHUNK, pos);
      pos -= n;
      raf.seek(pos);
      raf.readFully(buffer, 0, n);
      for (int i = n - 1; i >= 0; i--) {
        if (buffer[i] == '\n' && pos + i != end - 1 && ++breaks == lines) {
          return pos + i + 1;
        }
      }
    }
    return 0;
  }
}
