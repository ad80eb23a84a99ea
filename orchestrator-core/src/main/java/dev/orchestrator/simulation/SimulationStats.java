package dev.orchestrator.simulation;

/**
 * Counts of engine operations a simulated cluster has served.
 *
 * @param creates containers created
 * @param starts containers started
 * @param stops containers stopped by request
 * @param removes containers removed
 * @param lists listings served (what an observed-state cache saves)
 */
public record SimulationStats(int creates, int starts, int stops, int removes, long lists) {
  /** The mutable counters behind it; guarded by the cluster's lock. */
  static final class Counters {
    int creates;
    int starts;
    int stops;
    int removes;
    long lists;

    SimulationStats snapshot() {
      return new SimulationStats(creates, starts, stops, removes, lists);
    }
  }
}
