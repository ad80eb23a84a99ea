package dev.orchestrator.runtime;

import java.time.Instant;

/**
 * Resource usage of a container at one moment.
 *
 * @param cpuMillis CPU used, in millicores averaged over the runtime's sampling window
 * @param memoryBytes resident memory
 * @param cpuTotalNanos total CPU time consumed since start
 * @param time when it was sampled
 */
public record ContainerStats(long cpuMillis, long memoryBytes, long cpuTotalNanos, Instant time) {}
