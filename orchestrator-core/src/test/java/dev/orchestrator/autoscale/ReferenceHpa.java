package dev.orchestrator.autoscale;

import java.util.ArrayList;
import java.util.List;

/**
 * A plain, independent rendering of the Kubernetes HPA rule (replica_calculator.go and
 * horizontal.go with behaviors), in whole seconds, to check the library against. It shares no
 * code with {@code dev.orchestrator.autoscale}: its own state, its own arithmetic.
 */
final class ReferenceHpa {
  /** Every constant, in seconds where it is a time; {@code missingDown} is what a missing replica counts on a scale-down. */
  record Config(int min, int max, double tolerance, double target, double missingDown,
      int upPods, int upPercent, int upPeriod, int downPods, int downPercent, int downPeriod,
      int upWindow, int downWindow, int sync, int sample, boolean react) {}

  private final Config c;
  private final List<int[]> recommendations = new ArrayList<>(); // {second, replicas}
  private final List<int[]> scales = new ArrayList<>();          // {second, signed change}
  private Integer lastDecision;

  ReferenceHpa(Config c) {
    this.c = c;
  }

  /** Seconds between two looks at the metric. */
  int tickEvery() {
    return c.react() ? c.sample() : c.sync();
  }

  /** The decision at second {@code t}, or -1 if this tick makes none (a quiet in-between sample). */
  int tick(int t, int current, double[] values) {
    boolean regular = lastDecision == null || t >= lastDecision + c.sync();
    Integer raw = null;
    int desired;
    if (current == 0) {
      desired = 0;
    } else if (current > c.max()) {
      desired = c.max();
    } else if (current < c.min()) {
      desired = c.min();
    } else {
      raw = fromMetric(current, values);
      desired = raw == null ? current : rateLimited(t, current, stabilized(t, current, raw));
    }
    if (!regular && !(c.react() && desired != current)) {
      return -1;
    }
    lastDecision = t;
    if (raw != null) {
      recommendations.add(new int[] {t, raw});
    }
    if (desired != current) {
      scales.add(new int[] {t, desired - current});
    }
    return desired;
  }

  private Integer fromMetric(int current, double[] values) {
    if (values == null || values.length == 0) {
      return null;
    }
    double sum = 0;
    for (double v : values) {
      sum += v;
    }
    int n = values.length;
    double ratio = sum / (n * c.target());
    if (n >= current) {
      return Math.abs(1 - ratio) <= c.tolerance() ? current : (int) Math.ceil(sum / c.target());
    }
    if (ratio == 1.0) {
      return current;
    }
    double filled = sum + (current - n) * (ratio < 1 ? c.missingDown() : 0);
    double newRatio = filled / (current * c.target());
    if (Math.abs(1 - newRatio) <= c.tolerance() || (ratio < 1 && newRatio > 1) || (ratio > 1 && newRatio < 1)) {
      return current;
    }
    int replicas = (int) Math.ceil(filled / c.target());
    if ((newRatio < 1 && replicas > current) || (newRatio > 1 && replicas < current)) {
      return current;
    }
    return replicas;
  }

  private int stabilized(int t, int current, int raw) {
    int lowest = raw;
    int highest = raw;
    for (int[] r : recommendations) {
      if (r[0] > t - c.upWindow()) {
        lowest = Math.min(lowest, r[1]);
      }
      if (r[0] > t - c.downWindow()) {
        highest = Math.max(highest, r[1]);
      }
    }
    int s = current;
    if (s < lowest) {
      s = lowest;
    }
    if (s > highest) {
      s = highest;
    }
    return s;
  }

  private int rateLimited(int t, int current, int wanted) {
    if (wanted > current) {
      int start = current - changed(t, c.upPeriod(), true) + changed(t, c.upPeriod(), false);
      int cap = Math.max(start + c.upPods(), (int) Math.ceil(start * (100 + c.upPercent()) / 100.0));
      cap = Math.max(cap, current);
      return Math.min(wanted, Math.min(cap, c.max()));
    }
    if (wanted < current) {
      int start = current + changed(t, c.downPeriod(), false) - changed(t, c.downPeriod(), true);
      int floor = Math.max(0, Math.min(start - c.downPods(), start * Math.max(0, 100 - c.downPercent()) / 100));
      floor = Math.min(floor, current);
      return Math.max(wanted, Math.max(floor, c.min()));
    }
    return wanted;
  }

  /** Replicas added ({@code up}) or removed within the last {@code period} seconds before {@code t}. */
  private int changed(int t, int period, boolean up) {
    int sum = 0;
    for (int[] s : scales) {
      if (s[0] > t - period && (s[1] > 0) == up) {
        sum += Math.abs(s[1]);
      }
    }
    return sum;
  }
}
