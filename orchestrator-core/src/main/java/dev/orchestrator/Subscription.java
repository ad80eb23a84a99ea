package dev.orchestrator;

/** A handle on a listener registration; closing it stops delivery. Closing twice is harmless. */
@FunctionalInterface
public interface Subscription extends AutoCloseable {
  @Override
  void close();
}
