package dev.orchestrator.storage.docker;

import dev.orchestrator.Orchestrator;
import dev.orchestrator.ReplicaStatus;
import dev.orchestrator.docker.DockerRuntime;
import dev.orchestrator.spec.HealthCheck;
import dev.orchestrator.spec.MountSpec;
import dev.orchestrator.spec.ServiceSpec;
import dev.orchestrator.spec.VolumeSpec;
import java.time.Duration;
import java.util.List;
import java.util.stream.Collectors;

/**
 * The first life of an orchestrator with Docker volumes, run in its own JVM by
 * {@link DockerVolumeAdoptionTest}: declares {@link #db} (a per-replica volume, retained) and a
 * DELETE-retention cache volume, waits until ready, prints {@code READY <slot 0 birth>,<slot 1 birth>}
 * (what each replica wrote to its volume), then closes (removing its containers) and exits.
 *
 * <p>Arguments: instance id, image, volume base name, token.
 */
public final class VolumeAdoptionChild {
  private VolumeAdoptionChild() {}

  /** The service both lives declare: each replica keeps its first birth and the token in its slot's volume. */
  static ServiceSpec db(String image, String volume, String cache, String token) {
    return ServiceSpec.builder("db").image(image).replicas(2).env("TOKEN", token)
        .command("sh", "-c", "[ -f /data/born ] || { echo $TOKEN > /data/token; cat /proc/sys/kernel/random/uuid > /data/born; };"
            + " echo $HOSTNAME >> /data/lives; touch /cache/used; exec sleep 300")
        .mount(MountSpec.volume(volume, "/data").asPerReplica())
        .mount(MountSpec.volume(cache, "/cache"))
        .readiness(HealthCheck.exec("test", "-f", "/cache/used").withInterval(Duration.ofMillis(300)))
        .stopGracePeriod(Duration.ofSeconds(1))
        .build();
  }

  static VolumeSpec cache(String name) {
    return VolumeSpec.named(name).withRetention(VolumeSpec.Retention.DELETE);
  }

  public static void main(String[] args) throws Exception {
    String instance = args[0];
    String image = args[1];
    String volume = args[2];
    String token = args[3];
    DockerRuntime node = DockerRuntime.builder().responseTimeout(Duration.ofSeconds(20)).instanceId(instance).build();
    Orchestrator o = Orchestrator.builder().instanceId(instance).node(node).volumeProvider(new DockerVolumeProvider(node)).build();
    try {
      o.apply(cache(volume + "-cache"));
      o.apply(db(image, volume, volume + "-cache", token));
      o.awaitReady("db", Duration.ofSeconds(30));
      List<ReplicaStatus> replicas = o.status("db").replicas();
      String births = replicas.stream().sorted(java.util.Comparator.comparingInt(ReplicaStatus::slot))
          .map(r -> node.exec(r.containerId(), List.of("cat", "/data/born"), Duration.ofSeconds(10)).stdout().strip())
          .collect(Collectors.joining(","));
      System.out.println("READY " + births);
      System.out.flush();
    } finally {
      o.close();
      node.close();
    }
    System.exit(0);
  }
}
