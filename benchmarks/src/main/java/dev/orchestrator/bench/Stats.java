package dev.orchestrator.bench;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;

/** Order statistics of a sample (nearest-rank percentiles) and plain-text tables. */
final class Stats {
  private final List<Double> sorted;

  Stats(List<Double> values) {
    this.sorted = new ArrayList<>(values);
    Collections.sort(sorted);
  }

  int n() {
    return sorted.size();
  }

  /** Nearest-rank percentile, p in (0, 100]. */
  double p(double p) {
    if (sorted.isEmpty()) {
      return Double.NaN;
    }
    int rank = (int) Math.ceil(p / 100.0 * sorted.size());
    return sorted.get(Math.max(0, Math.min(sorted.size() - 1, rank - 1)));
  }

  double median() {
    if (sorted.isEmpty()) {
      return Double.NaN;
    }
    int n = sorted.size();
    return n % 2 == 1 ? sorted.get(n / 2) : (sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2;
  }

  double min() {
    return sorted.isEmpty() ? Double.NaN : sorted.get(0);
  }

  double max() {
    return sorted.isEmpty() ? Double.NaN : sorted.get(sorted.size() - 1);
  }

  static String f(double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.1f", v);
  }

  static String f2(double v) {
    return Double.isNaN(v) ? "-" : String.format(Locale.ROOT, "%.2f", v);
  }

  static String raw(List<Double> values) {
    return values.stream().map(Stats::f).collect(Collectors.joining(" "));
  }

  /** Prints a Markdown table (so that it can be pasted into docs/performance.md as is). */
  static void table(String title, List<String> header, List<List<String>> rows) {
    System.out.println();
    System.out.println("### " + title);
    System.out.println();
    int[] w = new int[header.size()];
    for (int i = 0; i < w.length; i++) {
      w[i] = header.get(i).length();
      for (List<String> r : rows) {
        w[i] = Math.max(w[i], r.get(i).length());
      }
    }
    System.out.println(row(header, w));
    StringBuilder sep = new StringBuilder("|");
    for (int x : w) {
      sep.append(" ").append("-".repeat(x)).append(" |");
    }
    System.out.println(sep);
    for (List<String> r : rows) {
      System.out.println(row(r, w));
    }
    System.out.flush();
  }

  private static String row(List<String> cells, int[] w) {
    StringBuilder b = new StringBuilder("|");
    for (int i = 0; i < w.length; i++) {
      String c = cells.get(i);
      b.append(" ").append(c).append(" ".repeat(w[i] - c.length())).append(" |");
    }
    return b.toString();
  }
}
