package dev.orchestrator.event;

/** Receives orchestrator events. Must not block for long: listeners share one delivery thread. */
@FunctionalInterface
public interface EventListener {
  void onEvent(OrchestratorEvent event);
}
