package dev.orchestrator.scheduling;

import java.util.Arrays;

/**
 * Nodes of one size in a segment tree: each subtree keeps its best score and its largest free CPU
 * and memory, so the best node with enough room is found by branch and bound (a subtree is skipped
 * when it cannot hold the request or cannot beat the best found), and a placement updates one
 * path, O(log n). Positions follow node names, so ties go to the smallest name.
 */
final class NodeIndex {
  /** Free resources of a leaf that takes nothing. */
  static final long NONE = Long.MIN_VALUE;

  private final int width;
  private final double[] score;
  private final long[] cpu;
  private final long[] memory;
  private double bestScore;
  private int bestPos;

  NodeIndex(int size) {
    int w = 1;
    while (w < size) {
      w <<= 1;
    }
    width = w;
    score = new double[2 * w];
    cpu = new long[2 * w];
    memory = new long[2 * w];
    Arrays.fill(score, Double.NEGATIVE_INFINITY);
    Arrays.fill(cpu, NONE);
    Arrays.fill(memory, NONE);
  }

  /** Sets a leaf without updating its ancestors; call {@link #rebuild} after the last one. */
  void setLeaf(int pos, double nodeScore, long cpuFree, long memoryFree) {
    int t = width + pos;
    score[t] = nodeScore;
    cpu[t] = cpuFree;
    memory[t] = memoryFree;
  }

  void rebuild() {
    for (int t = width - 1; t >= 1; t--) {
      pull(t);
    }
  }

  /** Sets a leaf and updates its ancestors. */
  void update(int pos, double nodeScore, long cpuFree, long memoryFree) {
    setLeaf(pos, nodeScore, cpuFree, memoryFree);
    for (int t = (width + pos) >> 1; t >= 1; t >>= 1) {
      pull(t);
    }
  }

  /**
   * The position of the highest-scored leaf with at least {@code needCpu} and {@code needMemory}
   * free (the smallest position among equals), or -1. Pass {@link #NONE} for "any amount".
   */
  int find(long needCpu, long needMemory) {
    bestScore = Double.NEGATIVE_INFINITY;
    bestPos = -1;
    descend(1, 0, width, needCpu, needMemory);
    return bestPos;
  }

  private void descend(int t, int first, int span, long needCpu, long needMemory) {
    if (cpu[t] < needCpu || memory[t] < needMemory) {
      return;
    }
    double s = score[t];
    if (s < bestScore || s == bestScore && (bestPos >= 0 ? first > bestPos : s == Double.NEGATIVE_INFINITY)) {
      return;
    }
    if (span == 1) {
      bestScore = s;
      bestPos = first;
      return;
    }
    int half = span >> 1;
    int left = 2 * t;
    if (score[left + 1] > score[left]) {
      descend(left + 1, first + half, half, needCpu, needMemory);
      descend(left, first, half, needCpu, needMemory);
    } else {
      descend(left, first, half, needCpu, needMemory);
      descend(left + 1, first + half, half, needCpu, needMemory);
    }
  }

  private void pull(int t) {
    score[t] = Math.max(score[2 * t], score[2 * t + 1]);
    cpu[t] = Math.max(cpu[2 * t], cpu[2 * t + 1]);
    memory[t] = Math.max(memory[2 * t], memory[2 * t + 1]);
  }
}
