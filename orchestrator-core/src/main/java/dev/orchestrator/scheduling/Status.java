package dev.orchestrator.scheduling;

import java.util.Objects;

/**
 * What a {@link FilterPlugin} says about one node: it fits, it does not fit (with the reason and
 * its numbers), or the plugin could not decide (an error, which fails the scheduling cycle rather
 * than just excluding the node).
 *
 * @param code the verdict
 * @param reason empty when the node fits
 */
public record Status(Code code, String reason) {
  /** The verdict of a filter. */
  public enum Code {
    FITS,
    DOES_NOT_FIT,
    ERROR
  }

  private static final Status FITS = new Status(Code.FITS, "");

  public Status {
    Objects.requireNonNull(code, "code");
    Objects.requireNonNull(reason, "reason");
  }

  public static Status fits() {
    return FITS;
  }

  public static Status doesNotFit(String reason) {
    return new Status(Code.DOES_NOT_FIT, reason);
  }

  public static Status error(String reason) {
    return new Status(Code.ERROR, reason);
  }

  public boolean isFit() {
    return code == Code.FITS;
  }
}
