package dev.orchestrator.simulation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.ContainerRequest;
import dev.orchestrator.runtime.ContainerState;
import dev.orchestrator.runtime.NodeUnavailableException;
import dev.orchestrator.runtime.RuntimeTimeoutException;
import dev.orchestrator.spec.HealthCheck;
import dev.orchestrator.spec.ServiceSpec;
import dev.orchestrator.runtime.SelfProbing;
import dev.orchestrator.time.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class SimulatedClusterTest {
  private final ManualClock clock = new ManualClock();

  private SimulatedCluster cluster(long seed) {
    return SimulatedCluster.builder().clock(clock).seed(seed).nodes("n", 3, 2000, 1L << 32)
        .image("slow", SimulatedImage.slowStarting(Duration.ofSeconds(5)))
        .image("job", SimulatedImage.exitsAfter(Duration.ofSeconds(3), 0)).build();
  }

  private static String run(SimulatedNode node, String name, String image) {
    String id = node.create(new ContainerRequest(name, ServiceSpec.builder(name).image(image).build(), Map.of("app", "x"), Map.of()));
    node.start(id);
    return id;
  }

  @Test
  void theSameSeedCrashesTheSameContainers() {
    List<List<String>> runs = new ArrayList<>();
    for (int attempt = 0; attempt < 2; attempt++) {
      try (SimulatedCluster c = cluster(7)) {
        for (int i = 0; i < 9; i++) {
          run(c.nodes().get(i % 3), "c" + i, "app");
        }
        List<String> victims = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
          victims.add(c.crashRandomContainer().orElseThrow());
        }
        runs.add(victims);
      }
    }
    assertThat(runs.get(0)).isEqualTo(runs.get(1)).doesNotHaveDuplicates();
  }

  @Test
  void timedBehaviourFollowsTheManualClock() {
    try (SimulatedCluster c = cluster(1)) {
      SimulatedNode n = c.node("n-1");
      String slow = run(n, "slow", "slow");
      String job = run(n, "job", "job");
      HealthCheck check = HealthCheck.tcp(80);
      assertThat(n.probe(slow, check, SelfProbing.Purpose.READINESS)).isFalse();
      clock.advance(Duration.ofSeconds(3));
      assertThat(n.inspect(job).orElseThrow().state()).isEqualTo(ContainerState.EXITED);
      assertThat(n.inspect(job).orElseThrow().exitCode()).isZero();
      assertThat(n.probe(slow, check, SelfProbing.Purpose.READINESS)).isFalse();
      clock.advance(Duration.ofSeconds(2));
      assertThat(n.probe(slow, check, SelfProbing.Purpose.READINESS)).isTrue();
      c.setReady(slow, false);
      assertThat(n.probe(slow, check, SelfProbing.Purpose.READINESS)).isFalse();
      assertThat(n.probe(slow, check, SelfProbing.Purpose.LIVENESS)).isTrue();
    }
  }

  @Test
  void aFailedNodeKillsItsContainersAndRefusesCallsUntilRestored() {
    try (SimulatedCluster c = cluster(1)) {
      SimulatedNode n = c.node("n-2");
      String id = run(n, "a", "app");
      c.failNode("n-2");
      assertThatThrownBy(() -> n.list(Map.of())).isInstanceOf(NodeUnavailableException.class).hasMessageContaining("n-2");
      assertThat(c.running(Map.of())).isEmpty();
      c.restoreNode("n-2");
      ContainerInfo after = n.inspect(id).orElseThrow();
      assertThat(after.state()).isEqualTo(ContainerState.EXITED);
      assertThat(after.exitCode()).isEqualTo(137);
    }
  }

  @Test
  void anOomKillIsFlagged() {
    try (SimulatedCluster c = cluster(1)) {
      String id = run(c.node("n-1"), "a", "app");
      c.oomKill(id);
      ContainerInfo info = c.node("n-1").inspect(id).orElseThrow();
      assertThat(info.oomKilled()).isTrue();
      assertThat(info.exitCode()).isEqualTo(137);
    }
  }

  @Test
  void aTimedOutCallCanStillTakeEffect() {
    try (SimulatedCluster c = cluster(1)) {
      SimulatedNode n = c.node("n-1");
      c.timeOutNextCalls("n-1", "create", 1, true);
      ContainerRequest req = new ContainerRequest("x", ServiceSpec.builder("x").image("app").build(), Map.of(), Map.of());
      assertThatThrownBy(() -> n.create(req)).isInstanceOf(RuntimeTimeoutException.class);
      assertThat(n.list(Map.of())).hasSize(1);
      c.timeOutNextCalls("n-1", "*", 1, false);
      assertThatThrownBy(() -> n.list(Map.of())).isInstanceOf(RuntimeTimeoutException.class);
      assertThat(n.list(Map.of())).hasSize(1);
    }
  }

  @Test
  void invariantsAreCheckedAfterEveryChange() {
    List<Integer> running = new ArrayList<>();
    try (SimulatedCluster c = SimulatedCluster.builder().clock(clock).node("a", 1000, 1L << 30)
        .invariant(all -> running.add((int) all.stream().filter(ContainerInfo::running).count())).build()) {
      String id = run(c.node("a"), "one", "app");
      c.crash(id, 1);
      c.node("a").remove(id);
    }
    assertThat(running).containsExactly(0, 1, 0, 0);
  }

  @Test
  void theShellOfExecUnderstandsEchoAndExit() {
    try (SimulatedCluster c = cluster(1)) {
      String id = run(c.node("n-1"), "a", "app");
      var r = c.node("n-1").exec(id, List.of("sh", "-c", "echo hello; exit 4"), Duration.ofSeconds(1));
      assertThat(r.exitCode()).isEqualTo(4);
      assertThat(r.stdout()).isEqualTo("hello\n");
      assertThat(c.node("n-1").exec(id, List.of("curl", "x"), Duration.ofSeconds(1)).exitCode()).isEqualTo(127);
      assertThat(Optional.of(c.stats())).get().extracting(SimulationStats::creates).isEqualTo(1);
    }
  }
}
