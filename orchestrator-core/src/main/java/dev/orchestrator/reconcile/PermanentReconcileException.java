package dev.orchestrator.reconcile;

import dev.orchestrator.OrchestratorException;

/** A reconcile failure that retrying cannot fix; the loop drops the key until it changes. */
public class PermanentReconcileException extends OrchestratorException {
  public PermanentReconcileException(String message) {
    super(message);
  }

  public PermanentReconcileException(String message, Throwable cause) {
    super(message, cause);
  }
}
