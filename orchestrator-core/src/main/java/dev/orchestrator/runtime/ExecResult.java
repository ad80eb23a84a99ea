package dev.orchestrator.runtime;

/**
 * Outcome of a command run inside a container.
 *
 * @param exitCode the command's exit code
 * @param stdout what it wrote to stdout
 * @param stderr what it wrote to stderr
 */
public record ExecResult(int exitCode, String stdout, String stderr) {
  public boolean succeeded() {
    return exitCode == 0;
  }
}
