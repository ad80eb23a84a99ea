package dev.orchestrator.spec;

import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * A rule on node labels that a node must satisfy to host a replica.
 *
 * @param key the node label
 * @param operator how the label is compared
 * @param values the values compared against (empty for EXISTS)
 */
public record PlacementConstraint(String key, Operator operator, List<String> values) {
  /** Comparison of a node label. */
  public enum Operator {
    EQUALS,
    NOT_EQUALS,
    IN,
    EXISTS
  }

  public PlacementConstraint {
    Objects.requireNonNull(key, "key");
    Objects.requireNonNull(operator, "operator");
    values = values == null ? List.of() : List.copyOf(values);
  }

  public static PlacementConstraint equals(String key, String value) {
    return new PlacementConstraint(key, Operator.EQUALS, List.of(value));
  }

  public static PlacementConstraint notEquals(String key, String value) {
    return new PlacementConstraint(key, Operator.NOT_EQUALS, List.of(value));
  }

  public static PlacementConstraint in(String key, String... values) {
    return new PlacementConstraint(key, Operator.IN, List.of(values));
  }

  public static PlacementConstraint exists(String key) {
    return new PlacementConstraint(key, Operator.EXISTS, List.of());
  }

  /** Whether a node with these labels satisfies the constraint. */
  public boolean matches(Map<String, String> nodeLabels) {
    String actual = nodeLabels.get(key);
    return switch (operator) {
      case EQUALS -> values.get(0).equals(actual);
      case NOT_EQUALS -> !values.get(0).equals(actual);
      case IN -> actual != null && values.contains(actual);
      case EXISTS -> actual != null;
    };
  }

  @Override
  public String toString() {
    return switch (operator) {
      case EQUALS -> key + "==" + values.get(0);
      case NOT_EQUALS -> key + "!=" + values.get(0);
      case IN -> key + " in " + values;
      case EXISTS -> key + " exists";
    };
  }
}
