package dev.orchestrator.docker;

import com.github.dockerjava.api.exception.DockerException;
import com.github.dockerjava.api.model.PullResponseItem;
import dev.orchestrator.runtime.ImageNotFoundException;
import java.time.Duration;

/** Makes images present on the engine according to the pull policy. */
final class ImagePuller {
  private final Engine engine;
  private final PullPolicy policy;
  private final Duration timeout;

  ImagePuller(Engine engine, PullPolicy policy, Duration timeout) {
    this.engine = engine;
    this.policy = policy;
    this.timeout = timeout;
  }

  Duration timeout() {
    return timeout;
  }

  void ensure(String image) {
    if (image == null || image.isBlank()) {
      throw new ImageNotFoundException(engine.node(), "", "no image given");
    }
    if (policy != PullPolicy.ALWAYS && engine.imageExists(image)) {
      return;
    }
    if (policy == PullPolicy.NEVER) {
      throw new ImageNotFoundException(engine.node(), image,
          "image " + image + " is not on node " + engine.node() + " and the pull policy is NEVER");
    }
    pull(image);
  }

  /** Pulls once; any refusal (unknown image, no registry, DNS failure) fails at once, naming the image. */
  private void pull(String image) {
    engine.run("pull of image " + image, image, () -> {
      PullCallback callback = new PullCallback();
      try {
        var cmd = engine.client().pullImageCmd(image);
        if (!hasTagOrDigest(image)) {
          cmd = cmd.withTag("latest");
        }
        cmd.exec(callback);
        engine.await(callback, timeout, "pull of image " + image, image);
      } catch (DockerException e) {
        throw notFound(image, Engine.engineMessage(e), e);
      }
      if (callback.error != null) {
        throw notFound(image, callback.error, null);
      }
    });
  }

  private ImageNotFoundException notFound(String image, String reason, Throwable cause) {
    return new ImageNotFoundException(engine.node(), image,
        "image " + image + " is not on node " + engine.node() + " and pulling it failed: " + reason, cause);
  }

  /** Whether the reference names a tag or digest ("repo:tag", "repo@sha256:..."), not a bare repository. */
  static boolean hasTagOrDigest(String image) {
    int slash = image.lastIndexOf('/');
    return image.contains("@") || image.indexOf(':', slash + 1) >= 0;
  }

  /** Records the first error item of a pull's progress stream. */
  private static final class PullCallback extends StreamCallback<PullResponseItem> {
    private volatile String error;

    @Override
    public void onNext(PullResponseItem item) {
      if (item.isErrorIndicated() && error == null) {
        error = item.getErrorDetail() != null ? item.getErrorDetail().getMessage() : item.getError();
      }
    }
  }
}
