package dev.orchestrator.internal;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestrator.runtime.NodeInfo;
import dev.orchestrator.scheduling.Placement;
import dev.orchestrator.scheduling.Scheduler;
import dev.orchestrator.scheduling.Schedulers;
import dev.orchestrator.simulation.SimulatedCluster;
import dev.orchestrator.spec.Resources;
import dev.orchestrator.spec.ServiceSpec;
import dev.orchestrator.time.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Plan/apply: the scheduler plans outside the placer's lock on a snapshot; the applier rejects a
 * plan whose nodes changed since, and the placement is planned again on a fresh snapshot.
 */
class PlanApplyTest {
  private final ManualClock clock = new ManualClock();
  private final ExecutorService engine = Executors.newFixedThreadPool(4);
  private final ExecutorService racers = Executors.newFixedThreadPool(8);
  private final DesiredState desired = new DesiredState();
  private final ObservedState observed = new ObservedState("t", clock, Duration.ofSeconds(30), true);
  private SimulatedCluster sim;
  private List<Node> nodes;

  @AfterEach
  void tearDown() {
    engine.shutdownNow();
    racers.shutdownNow();
    sim.close();
  }

  private void cluster(int count, long cpuMillis) {
    sim = SimulatedCluster.builder().clock(clock).nodes("node", count, cpuMillis, 64 * Resources.MIB * 1024).build();
    nodes = new ArrayList<>();
    for (var runtime : sim.nodes()) {
      NodeInfo info = runtime.node();
      nodes.add(new Node(runtime, info, engine, Duration.ofSeconds(5), observed::lose));
    }
  }

  private ServiceSpec declare(String name, long cpuMillis) {
    ServiceSpec spec = ServiceSpec.builder(name).image("app").resources(Resources.requests(cpuMillis, 0)).build();
    desired.put(spec);
    return spec;
  }

  private static List<Placer.Want> wants(String service, int count) {
    List<Placer.Want> out = new ArrayList<>();
    for (int i = 0; i < count; i++) {
      out.add(new Placer.Want(i, "t-" + service + "-" + i + "-1", ""));
    }
    return out;
  }

  /** A scheduler that, on its first plan for {@code service}, signals and waits before answering. */
  private static Scheduler pausingOnce(String service, CountDownLatch planned, CountDownLatch resume) {
    Scheduler spread = Schedulers.spread();
    AtomicBoolean first = new AtomicBoolean(true);
    return (request, snapshot) -> {
      Placement p = spread.place(request, snapshot);
      if (request.service().equals(service) && first.compareAndSet(true, false)) {
        planned.countDown();
        try {
          resume.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      return p;
    };
  }

  @Test
  void twoPlacementsRacingForTheLastCapacityNeverOverCommitAndTheLoserPlansAgain() throws Exception {
    cluster(1, 1000);
    ServiceSpec a = declare("a", 600);
    ServiceSpec b = declare("b", 600);
    CountDownLatch planned = new CountDownLatch(1);
    CountDownLatch resume = new CountDownLatch(1);
    Placer placer = new Placer(nodes, observed, pausingOnce("a", planned, resume), desired, new dev.orchestrator.storage.InMemoryVolumeProvider(), clock, Set.of());

    CompletableFuture<List<Placement>> slow = CompletableFuture.supplyAsync(() -> placer.place(a, wants("a", 1), Set.of()).placements(), racers);
    assertThat(planned.await(10, TimeUnit.SECONDS)).isTrue();
    List<Placement> fast = placer.place(b, wants("b", 1), Set.of()).placements();
    resume.countDown();
    List<Placement> loser = slow.get(10, TimeUnit.SECONDS);

    assertThat(fast.get(0).node()).contains("node-1");
    assertThat(loser.get(0).placed()).as("a's plan saw node-1 empty; b took it meanwhile").isFalse();
    assertThat(loser.get(0).diagnosis()).contains("node-1: insufficient cpu: requested 600m, free 400m");
    assertThat(placer.rejectedPlans()).isEqualTo(1);
  }

  @Test
  void aPlanOnANodeLostSinceItsSnapshotIsRejectedAndPlacedElsewhere() throws Exception {
    cluster(2, 1000);
    ServiceSpec a = declare("a", 100);
    CountDownLatch planned = new CountDownLatch(1);
    CountDownLatch resume = new CountDownLatch(1);
    Placer placer = new Placer(nodes, observed, pausingOnce("a", planned, resume), desired, new dev.orchestrator.storage.InMemoryVolumeProvider(), clock, Set.of());

    CompletableFuture<List<Placement>> slow = CompletableFuture.supplyAsync(
        () -> placer.place(a, List.of(new Placer.Want(0, "t-a-0-1", "node-1")), Set.of()).placements(), racers);
    assertThat(planned.await(10, TimeUnit.SECONDS)).isTrue();
    sim.failNode("node-1");
    observed.lose("node-1"); // what the node's unavailability event does
    resume.countDown();

    assertThat(slow.get(10, TimeUnit.SECONDS).get(0).node()).contains("node-2");
    assertThat(placer.rejectedPlans()).isEqualTo(1);
  }

  @Test
  void manyConcurrentPlacementsNeverOverCommitANode() throws Exception {
    cluster(3, 2000);
    Placer placer = new Placer(nodes, observed, Schedulers.binPack(), desired, new dev.orchestrator.storage.InMemoryVolumeProvider(), clock, Set.of());
    List<CompletableFuture<List<Placement>>> all = new ArrayList<>();
    for (int s = 0; s < 12; s++) {
      ServiceSpec spec = declare("s" + s, 500);
      all.add(CompletableFuture.supplyAsync(() -> placer.place(spec, wants(spec.name(), 2), Set.of()).placements(), racers));
    }
    Map<String, Integer> perNode = new HashMap<>();
    int placed = 0;
    for (CompletableFuture<List<Placement>> f : all) {
      for (Placement p : f.get(10, TimeUnit.SECONDS)) {
        if (p.placed()) {
          placed++;
          perNode.merge(p.node().get(), 1, Integer::sum);
        }
      }
    }
    assertThat(placed).as("3 nodes x 4 replicas of 500m").isEqualTo(12);
    assertThat(perNode.values()).allMatch(n -> n <= 4);
  }
}
