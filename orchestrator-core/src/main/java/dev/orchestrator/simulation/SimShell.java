package dev.orchestrator.simulation;

import dev.orchestrator.runtime.ExecResult;
import java.util.List;

/**
 * The simulator's exec: a tiny shell that understands {@code true}, {@code false},
 * {@code echo WORDS}, {@code exit N}, and {@code sh -c "a; b; ..."} chaining those. Anything
 * else exits 127 ("not found"), as a real shell would.
 */
final class SimShell {
  private SimShell() {}

  static ExecResult run(List<String> command) {
    if (command.size() == 3 && command.get(0).endsWith("sh") && command.get(1).equals("-c")) {
      return script(command.get(2));
    }
    return script(String.join(" ", command));
  }

  private static ExecResult script(String script) {
    StringBuilder out = new StringBuilder();
    int code = 0;
    for (String raw : script.split(";")) {
      String line = raw.strip();
      if (line.isEmpty()) {
        continue;
      }
      String[] words = line.split("\\s+", 2);
      switch (words[0]) {
        case "true" -> code = 0;
        case "false" -> code = 1;
        case "echo" -> {
          out.append(words.length > 1 ? unquote(words[1]) : "").append('\n');
          code = 0;
        }
        case "exit" -> {
          return new ExecResult(words.length > 1 ? Integer.parseInt(words[1].strip()) : code, out.toString(), "");
        }
        default -> {
          return new ExecResult(127, out.toString(), "sh: " + words[0] + ": not found\n");
        }
      }
    }
    return new ExecResult(code, out.toString(), "");
  }

  private static String unquote(String s) {
    if (s.length() >= 2 && (s.startsWith("'") && s.endsWith("'") || s.startsWith("\"") && s.endsWith("\""))) {
      return s.substring(1, s.length() - 1);
    }
    return s;
  }
}
