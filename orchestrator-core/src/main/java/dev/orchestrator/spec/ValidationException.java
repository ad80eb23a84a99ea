package dev.orchestrator.spec;

import dev.orchestrator.OrchestratorException;
import java.util.List;
import java.util.stream.Collectors;

/**
 * A declaration was refused before anything was created. Lists every problem at once, each
 * with its field path and offending value.
 */
public class ValidationException extends OrchestratorException {
  private final String subject;
  private final List<Violation> violations;

  public ValidationException(String subject, List<Violation> violations) {
    super(render(subject, violations));
    this.subject = subject;
    this.violations = List.copyOf(violations);
  }

  /** What was validated, e.g. {@code service 'web'}. */
  public String subject() {
    return subject;
  }

  public List<Violation> violations() {
    return violations;
  }

  private static String render(String subject, List<Violation> violations) {
    return "invalid " + subject + ": " + violations.size() + (violations.size() == 1 ? " problem" : " problems")
        + violations.stream().map(v -> "\n  " + v).collect(Collectors.joining());
  }

  /**
   * One problem.
   *
   * @param path the field, e.g. {@code ports[1].containerPort}
   * @param value the offending value as text
   * @param message what is wrong with it
   */
  public record Violation(String path, String value, String message) {
    @Override
    public String toString() {
      return path + " = '" + value + "': " + message;
    }
  }
}
