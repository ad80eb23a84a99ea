package dev.orchestrator.autoscale;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

/**
 * What the stabilization windows and rate limits look back on: the recent recommendations (the
 * metric's unstabilized replica count at each decision) and the recent scale changes. Immutable;
 * {@link HorizontalAutoscaler#decide} returns the next one with its recommendation added, and the
 * caller adds the change with {@link #withScale} once it has applied it. Entries that no window
 * or period can reach any more are dropped.
 */
public final class ScalingHistory {
  private static final ScalingHistory EMPTY = new ScalingHistory(List.of(), List.of());

  /** A recommendation, or a change by {@code replicas} (negative when scaling down), at a time. */
  record Entry(Instant time, int replicas) {}

  private final List<Entry> recommendations;
  private final List<Entry> changes;

  private ScalingHistory(List<Entry> recommendations, List<Entry> changes) {
    this.recommendations = List.copyOf(recommendations);
    this.changes = List.copyOf(changes);
  }

  public static ScalingHistory empty() {
    return EMPTY;
  }

  /** This history plus a scale from {@code from} to {@code to} replicas at {@code time}. */
  public ScalingHistory withScale(Instant time, int from, int to) {
    if (from == to) {
      return this;
    }
    List<Entry> next = new ArrayList<>(changes);
    next.add(new Entry(time, to - from));
    return new ScalingHistory(recommendations, next);
  }

  List<Entry> recommendations() {
    return recommendations;
  }

  /** Sum of the changes in the given direction strictly after {@code now - period}, as a positive count. */
  int changedWithin(Instant now, Duration period, boolean up) {
    Instant cutoff = now.minus(period);
    int sum = 0;
    for (Entry e : changes) {
      if (e.time().isAfter(cutoff) && (e.replicas() > 0) == up) {
        sum += Math.abs(e.replicas());
      }
    }
    return sum;
  }

  /** Adds a recommendation and drops what is older than {@code keepRecommendations} and {@code keepChanges}. */
  ScalingHistory withRecommendation(Instant now, int replicas, Duration keepRecommendations, Duration keepChanges) {
    List<Entry> recs = new ArrayList<>();
    Instant recCutoff = now.minus(keepRecommendations);
    for (Entry e : recommendations) {
      if (e.time().isAfter(recCutoff)) {
        recs.add(e);
      }
    }
    recs.add(new Entry(now, replicas));
    Instant changeCutoff = now.minus(keepChanges);
    return new ScalingHistory(recs, changes.stream().filter(e -> e.time().isAfter(changeCutoff)).toList());
  }

  @Override
  public String toString() {
    return "ScalingHistory{recommendations=" + recommendations + ", changes=" + changes + "}";
  }
}
