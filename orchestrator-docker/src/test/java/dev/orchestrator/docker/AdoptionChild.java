package dev.orchestrator.docker;

import dev.orchestrator.Orchestrator;
import dev.orchestrator.ReplicaStatus;
import dev.orchestrator.spec.ServiceSpec;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;

/**
 * The first life of an orchestrator, run in its own JVM by {@link DockerAdoptionTest}: builds an
 * orchestrator with the given instance id and {@code keepOnClose(true)}, declares {@link #web} and
 * {@link #extra}, waits until both are ready and prints {@code READY <id>,<id>,...}. Then it closes
 * and exits ({@code exit}), or blocks until the test kills it with SIGKILL ({@code hang}).
 *
 * <p>Arguments: instance id, image, {@code exit} or {@code hang}.
 */
public final class AdoptionChild {
  private AdoptionChild() {}

  /** The service both lives declare. */
  static ServiceSpec web(String image) {
    return E2eSupport.web(image, 2);
  }

  /** The service only the first life declares: an orphan for the second. */
  static ServiceSpec extra(String image) {
    return ServiceSpec.builder("extra").image(image).command("sleep", "300").stopGracePeriod(Duration.ofSeconds(1))
        .label(E2eSupport.LABEL, E2eSupport.LABEL_VALUE).build();
  }

  public static void main(String[] args) throws Exception {
    String instance = args[0];
    String image = args[1];
    boolean hang = "hang".equals(args[2]);
    Orchestrator o = Orchestrator.builder()
        .instanceId(instance)
        .node(DockerRuntime.builder().responseTimeout(Duration.ofSeconds(20)).instanceId(instance).build())
        .keepOnClose(true)
        .build();
    try {
      o.apply(web(image));
      o.apply(extra(image));
      o.awaitReady("web", Duration.ofSeconds(30));
      o.awaitReady("extra", Duration.ofSeconds(30));
      String ids = java.util.stream.Stream.of("web", "extra")
          .flatMap(s -> o.status(s).replicas().stream())
          .map(ReplicaStatus::containerId).sorted().collect(Collectors.joining(","));
      System.out.println("READY " + ids);
      System.out.flush();
      if (hang) {
        new CountDownLatch(1).await(); // until SIGKILL
      }
    } finally {
      o.close();
    }
    System.exit(0);
  }
}
