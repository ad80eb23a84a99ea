package dev.orchestrator.internal;

import dev.orchestrator.OrchestratorException;
import dev.orchestrator.RolloutPhase;
import dev.orchestrator.RolloutStatus;
import dev.orchestrator.event.OrchestratorEvent;
import dev.orchestrator.reconcile.ReconcileResult;
import dev.orchestrator.spec.ServiceSpec;
import dev.orchestrator.spec.UpdatePolicy;
import java.time.Duration;
import java.time.Instant;
import java.util.LinkedHashSet;
import java.util.Set;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The rollout memory of one service: target and previous spec hash, the last two fully-ready
 * specs (what a rollback goes back to), the new replicas counted as failed, and pause and revert
 * requests. Written by the worker reconciling the service and by API calls (pause, resume,
 * rollback), so every method is synchronized; the memory is lost with the orchestrator (after a
 * restart a rollout goes on, but there is no earlier spec to roll back to).
 */
final class Rollout {
  private static final Logger log = LoggerFactory.getLogger(Rollout.class);
  private final String service;
  private String target = "";
  private String previous = "";
  private boolean complete;
  private boolean paused;
  private boolean failed;
  private boolean rollingBack;
  private String reason = "";
  /** Hash declared by a rollback that no pass has seen yet, and why. */
  private String revertTo = "";
  private String revertReason = "";
  private final Set<String> failures = new LinkedHashSet<>();
  private String lastFailure = "";
  private ServiceSpec lastReady;
  private ServiceSpec readyBefore;
  private int reportedAvailable = -1;
  private RolloutStatus status = RolloutStatus.none("");

  /** What one pass counted over the slots below the declared replicas. */
  record Counts(int desired, int updated, int ready, int available, int outdated) {
    boolean fullyReady() {
      return outdated == 0 && available == desired;
    }
  }

  Rollout(String service) {
    this.service = service;
  }

  /**
   * Starts a new rollout when the declared hash differs from the one tracked. {@code outdatedHash}
   * is the hash of some outdated container (what an orchestrator that just started rolls from),
   * empty if there is none.
   */
  synchronized void begin(ServiceSpec spec, String outdatedHash, EventBus events, Instant now) {
    if (spec.specHash().equals(target)) {
      return;
    }
    String from = target.isEmpty() ? outdatedHash : target;
    if (paused && !reason.isEmpty()) {
      paused = false; // paused by a failure of the rollout this one replaces; a pause asked for stays
    }
    rollingBack = spec.specHash().equals(revertTo);
    reason = rollingBack ? revertReason : "";
    revertTo = "";
    target = spec.specHash();
    previous = from;
    complete = false;
    failed = false;
    failures.clear();
    reportedAvailable = -1;
    if (!from.isEmpty()) {
      log.info("rolling out {} of {} ({})", target, service, rollingBack ? "rollback from " + from : "from " + from);
      events.publish(new OrchestratorEvent.RolloutStarted(now, service, from, target));
      if (paused) {
        events.publish(new OrchestratorEvent.RolloutPaused(now, service, target, reason()));
      }
    }
  }

  /** Whether outdated replicas may be replaced now. */
  synchronized boolean active() {
    return !paused && !failed;
  }

  /** Whether failed new replicas count toward the failure threshold (a rollout, not a rollback or a first deployment). */
  synchronized boolean countsFailures() {
    return !paused && !failed && !complete && !rollingBack && !previous.isEmpty();
  }

  /** Counts a new replica's container as failed (once per container). */
  synchronized void failed(String containerId, String why) {
    if (countsFailures() && failures.add(containerId)) {
      lastFailure = why;
    }
  }

  /**
   * Acts once the failed new replicas reach the policy's threshold: pauses, or declares the last
   * fully-ready spec again in place of {@code spec} (returning true: the caller stops its pass and
   * looks again at once), or, with nothing to roll back to, stops the rollout as failed.
   */
  synchronized boolean actOnFailures(ServiceSpec spec, DesiredState desired, EventBus events, Instant now) {
    UpdatePolicy policy = spec.updatePolicy();
    if (!countsFailures() || failures.size() < policy.failureThreshold()) {
      return false;
    }
    String why = failures.size() + " new replica(s) failed, last: " + lastFailure;
    ServiceSpec back = lastReady == null || lastReady.specHash().equals(target) ? null : revertSpec(lastReady, spec);
    boolean rolledBack = false;
    if (policy.onFailure() == UpdatePolicy.FailureAction.ROLLBACK && back != null) {
      if (desired.replace(spec, back)) {
        revert(back, why);
        rolledBack = true;
        events.publish(new OrchestratorEvent.ServiceApplied(now, service, back.specHash(), back.replicas(), true));
        events.publish(new OrchestratorEvent.RolloutRolledBack(now, service, target, back.specHash(), why));
      }
    } else if (policy.onFailure() == UpdatePolicy.FailureAction.ROLLBACK) {
      failed = true;
      reason = why + "; no fully-ready spec to roll back to";
      events.publish(new OrchestratorEvent.RolloutFailed(now, service, target, reason));
    } else {
      paused = true;
      reason = why;
      events.publish(new OrchestratorEvent.RolloutPaused(now, service, target, reason));
    }
    log.warn("rollout of {} to {}: {}{}", service, target, why, rolledBack ? "; rolled back to " + back.specHash() : "");
    return rolledBack;
  }

  /**
   * After a pass: acts on the failure threshold, remembers a fully-ready spec, reports progress
   * and completion, and publishes the status. Returns when to look again.
   */
  synchronized ReconcileResult end(ServiceSpec spec, Counts counts, DesiredState desired, EventBus events, Instant now) {
    ReconcileResult result = actOnFailures(spec, desired, events, now) ? ReconcileResult.requeueAfter(Duration.ZERO) : ReconcileResult.done();
    if (counts.fullyReady() && spec.specHash().equals(target)) {
      if (lastReady != null && !lastReady.specHash().equals(target)) {
        readyBefore = lastReady;
      }
      lastReady = spec;
      if (!complete) {
        complete = true;
        if (!previous.isEmpty()) {
          events.publish(new OrchestratorEvent.RolloutCompleted(now, service, target));
        }
      }
    } else if (!complete && !previous.isEmpty() && counts.available() != reportedAvailable) {
      reportedAvailable = counts.available();
      events.publish(new OrchestratorEvent.RolloutProgressed(now, service, target, counts.updated(), counts.available(), counts.desired()));
    }
    status = new RolloutStatus(phase(), target, previous, counts.updated(), counts.ready(), counts.available(), failures.size(), reason());
    return result;
  }

  private RolloutPhase phase() {
    if (complete) {
      return RolloutPhase.COMPLETE;
    }
    if (paused) {
      return RolloutPhase.PAUSED;
    }
    if (failed) {
      return RolloutPhase.FAILED;
    }
    return rollingBack ? RolloutPhase.ROLLING_BACK : RolloutPhase.PROGRESSING;
  }

  private String reason() {
    return paused && reason.isEmpty() ? "paused by request" : reason;
  }

  synchronized RolloutStatus status() {
    return status;
  }

  /** Stops replacing outdated replicas (also those of rollouts started later) until resumed. */
  synchronized void pause(EventBus events, Instant now) {
    if (!paused) {
      paused = true;
      reason = "";
      events.publish(new OrchestratorEvent.RolloutPaused(now, service, target, reason()));
    }
  }

  /** Goes on after a pause or a failure, with the failure count reset. */
  synchronized void resume(EventBus events, Instant now) {
    if (paused || failed) {
      paused = false;
      failed = false;
      failures.clear();
      reason = rollingBack ? reason : "";
      events.publish(new OrchestratorEvent.RolloutResumed(now, service, target));
    }
  }

  /**
   * The spec a rollback of {@code current} declares: the last fully-ready one, or the one before
   * it if {@code current} is that spec, with the current replica count and update policy.
   */
  synchronized ServiceSpec rollbackTarget(ServiceSpec current) {
    ServiceSpec to = lastReady != null && lastReady.specHash().equals(current.specHash()) ? readyBefore : lastReady;
    if (to == null || to.specHash().equals(current.specHash())) {
      throw new OrchestratorException("service '" + service + "' has no earlier fully-ready spec to roll back to"
          + " (fully-ready specs are remembered only by the running orchestrator)");
    }
    return revertSpec(to, current);
  }

  /** Marks the next rollout, to {@code back}, as a rollback. */
  synchronized void revert(ServiceSpec back, String why) {
    revertTo = back.specHash();
    revertReason = "rolled back from " + target + ": " + why;
    paused = false;
    failed = false;
  }

  private static ServiceSpec revertSpec(ServiceSpec to, ServiceSpec current) {
    return to.toBuilder().replicas(current.replicas()).updatePolicy(current.updatePolicy()).build();
  }
}
