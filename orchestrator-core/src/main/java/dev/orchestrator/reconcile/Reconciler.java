package dev.orchestrator.reconcile;

/**
 * Makes one key's reality match its declaration. Level-triggered: it is told only which key to
 * look at, reads desired and observed state itself, acts, and says when to look again.
 *
 * <p>Throwing any exception asks the loop to retry the key with per-key exponential backoff;
 * {@link PermanentReconcileException} stops retries until the key is changed again. Retry
 * never lives in reconcile code. The loop guarantees a key is never reconciled by two threads
 * at once.
 */
@FunctionalInterface
public interface Reconciler<K> {
  ReconcileResult reconcile(K key) throws Exception;
}
