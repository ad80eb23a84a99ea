package dev.orchestrator.docker;

/** When {@link DockerRuntime#ensureImage} pulls an image from its registry. */
public enum PullPolicy {
  /** Never pull: an image missing on the engine is an error. */
  NEVER,
  /** Pull only when the engine does not have the image (the default). */
  IF_MISSING,
  /** Pull every time, even when the engine has the image. */
  ALWAYS
}
