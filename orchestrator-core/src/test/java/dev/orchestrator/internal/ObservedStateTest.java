package dev.orchestrator.internal;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.ContainerRequest;
import dev.orchestrator.runtime.ContainerRuntime;
import dev.orchestrator.runtime.ContainerState;
import dev.orchestrator.runtime.OwnerLabels;
import dev.orchestrator.runtime.RuntimeEvent;
import dev.orchestrator.runtime.RuntimeTimeoutException;
import dev.orchestrator.simulation.SimulatedCluster;
import dev.orchestrator.spec.ServiceSpec;
import dev.orchestrator.time.ManualClock;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The observed-state cache: what it lists, when, and what it trusts. */
class ObservedStateTest {
  private final ManualClock clock = new ManualClock();
  private final ExecutorService engine = Executors.newFixedThreadPool(2);
  private final ObservedState observed = new ObservedState("t", clock, Duration.ofSeconds(30), true);
  private final SimulatedCluster sim = SimulatedCluster.builder().clock(clock).node("node-1", 4000, 1L << 33).build();
  /** When set, the node's listings answer this instead (a listing that lags behind events). */
  private final AtomicReference<List<ContainerInfo>> lagging = new AtomicReference<>();
  /** When set, runs once inside the next listing, after the node answered (a change racing the listing). */
  private final AtomicReference<Runnable> duringList = new AtomicReference<>();
  private final Node node = new Node(lagged(sim.node("node-1")), sim.node("node-1").node(), engine, Duration.ofSeconds(5), observed::lose);

  @AfterEach
  void tearDown() {
    engine.shutdownNow();
    sim.close();
  }

  private ContainerRuntime lagged(ContainerRuntime real) {
    return (ContainerRuntime) Proxy.newProxyInstance(getClass().getClassLoader(), new Class<?>[] {ContainerRuntime.class},
        (proxy, method, args) -> {
          if (method.getName().equals("list") && lagging.get() != null) {
            return lagging.get();
          }
          try {
            Object result = method.invoke(real, args);
            Runnable racing = method.getName().equals("list") ? duringList.getAndSet(null) : null;
            if (racing != null) {
              racing.run();
            }
            return result;
          } catch (InvocationTargetException e) {
            throw e.getCause();
          }
        });
  }

  private String create(String service, int slot) {
    Map<String, String> labels = new HashMap<>(OwnerLabels.ofService("t", service));
    labels.put(OwnerLabels.SLOT, Integer.toString(slot));
    String id = sim.node("node-1").create(new ContainerRequest("t-" + service + "-" + slot, ServiceSpec.builder(service).image("app").build(), labels, Map.of()));
    sim.node("node-1").start(id);
    return id;
  }

  private long lists() {
    return sim.stats().lists();
  }

  @Test
  void readsOfAnUnchangedNodeMakeNoCallsAfterTheFirstListing() {
    create("web", 0);
    create("db", 0);
    assertThat(observed.read(node, "web")).hasSize(1);
    long after = lists();
    for (int i = 0; i < 5; i++) {
      assertThat(observed.read(node, "web")).hasSize(1);
      assertThat(observed.read(node, "db")).hasSize(1);
      assertThat(observed.read(node, "other")).isEmpty();
    }
    assertThat(lists()).isEqualTo(after);
  }

  @Test
  void anEventMarksOnlyItsServiceForAListingOnTheNextRead() {
    create("web", 0);
    observed.read(node, "web");
    String second = create("web", 1);
    observed.onEvent(new RuntimeEvent(RuntimeEvent.Type.STARTED, "node-1", second, OwnerLabels.ofService("t", "web"), -1, clock.instant()));
    long before = lists();
    assertThat(observed.read(node, "db")).isEmpty();
    assertThat(lists()).isEqualTo(before);
    assertThat(observed.read(node, "web")).hasSize(2);
    assertThat(lists()).isEqualTo(before + 1);
  }

  @Test
  void aDiedEventIsTrustedOverALaterListingThatStillShowsTheContainerRunning() {
    String id = create("web", 0);
    List<ContainerInfo> stillRunning = observed.read(node, "web");
    sim.crash(id, 3);
    observed.onEvent(new RuntimeEvent(RuntimeEvent.Type.DIED, "node-1", id, OwnerLabels.ofService("t", "web"), 3, clock.instant()));
    lagging.set(stillRunning);
    ContainerInfo seen = observed.read(node, "web").get(0);
    assertThat(seen.state()).isEqualTo(ContainerState.EXITED);
    assertThat(seen.exitCode()).isEqualTo(3);
  }

  @Test
  void aRemovedContainerStaysGoneWhenALaggingListingStillShowsIt() {
    String id = create("web", 0);
    List<ContainerInfo> stale = observed.read(node, "web");
    sim.node("node-1").remove(id);
    observed.onEvent(new RuntimeEvent(RuntimeEvent.Type.REMOVED, "node-1", id, OwnerLabels.ofService("t", "web"), -1, clock.instant()));
    lagging.set(stale);
    assertThat(observed.read(node, "web")).isEmpty();
  }

  @Test
  void aTimedOutListingIsNotTakenAsEmptyAndTheViewIsListedAgain() {
    create("web", 0);
    observed.read(node, "web");
    sim.timeOutNextCalls("node-1", "list", 1, false);
    observed.touch("node-1", "web");
    assertThatThrownBy(() -> observed.read(node, "web")).isInstanceOf(RuntimeTimeoutException.class);
    assertThat(observed.fresh("node-1")).as("a timed-out call loses the node's view").isFalse();
    long before = lists();
    assertThat(observed.read(node, "web")).hasSize(1);
    assertThat(lists()).as("one full listing of the node").isEqualTo(before + 1);
  }

  @Test
  void aListingThatRacedAChangeDoesNotHideIt() {
    create("web", 0);
    observed.read(node, "web");
    observed.touch("node-1", "web");
    duringList.set(() -> {
      create("web", 1);
      observed.touch("node-1", "web"); // what the create's own mark does
    });
    assertThat(observed.read(node, "web")).as("the listing answered before the create").hasSize(1);
    assertThat(observed.read(node, "web")).as("listed again: the entry changed after that listing began").hasSize(2);
  }

  @Test
  void theViewIsListedAgainOnceOlderThanItsStalenessBound() {
    create("web", 0);
    observed.read(node, "web");
    long before = lists();
    clock.advance(Duration.ofSeconds(31));
    observed.read(node, "web");
    assertThat(lists()).isEqualTo(before + 1);
  }

  @Test
  void aFullListingNamesOnlyTheServicesWhoseContainersChanged() {
    create("web", 0);
    String db = create("db", 0);
    observed.relist(node);
    assertThat(observed.relist(node).changed()).isEmpty();
    sim.crash(db, 1); // no event reaches the cache: only the listing can tell
    ObservedState.Relisting found = observed.relist(node);
    assertThat(found.changed()).containsExactly("db");
    assertThat(found.services()).containsExactlyInAnyOrder("web", "db");
    assertThat(observed.read(node, "db").get(0).state()).isEqualTo(ContainerState.EXITED);
  }

  private RuntimeEvent event(RuntimeEvent.Type type, String id) {
    return new RuntimeEvent(type, "node-1", id, OwnerLabels.ofService("t", "web"), -1, clock.instant());
  }

  /** An own create+start of web's slot, as ReplicaOps does it: the CREATED event arrives before it ends, STARTED after. */
  private String ownStart(int slot) {
    observed.ownStartBegins("node-1", "web");
    String id = create("web", slot);
    observed.onEvent(event(RuntimeEvent.Type.CREATED, id));
    observed.ownStartEnded("node-1", "web", sim.node("node-1").inspect(id).orElseThrow());
    observed.onEvent(event(RuntimeEvent.Type.STARTED, id));
    return id;
  }

  @Test
  void anOwnStartIsWrittenThroughAndItsOwnEventsMarkNothing() {
    create("web", 0);
    observed.read(node, "web");
    long before = lists();
    String id = ownStart(1);
    assertThat(observed.read(node, "web")).extracting(ContainerInfo::id).contains(id).hasSize(2);
    assertThat(observed.read(node, "web")).filteredOn(c -> c.id().equals(id)).allMatch(ContainerInfo::running);
    assertThat(lists()).as("no listing after the own start").isEqualTo(before);
  }

  @Test
  void eventsOfAContainerNoOwnStartExplainsMarkTheEntryOnceTheOwnStartEnds() {
    observed.read(node, "web");
    observed.ownStartBegins("node-1", "web");
    String foreign = create("web", 7); // another process with this instance id: its events arrive during the own start
    observed.onEvent(event(RuntimeEvent.Type.CREATED, foreign));
    observed.onEvent(event(RuntimeEvent.Type.STARTED, foreign));
    String own = create("web", 1);
    observed.ownStartEnded("node-1", "web", sim.node("node-1").inspect(own).orElseThrow());
    long before = lists();
    assertThat(observed.read(node, "web")).extracting(ContainerInfo::id).containsExactlyInAnyOrder(own, foreign);
    assertThat(lists()).isEqualTo(before + 1);
  }

  @Test
  void aFailedOwnStartMarksTheEntry() {
    observed.read(node, "web");
    observed.ownStartBegins("node-1", "web");
    String leftover = create("web", 1); // created, then the start "failed" and left it
    observed.onEvent(event(RuntimeEvent.Type.CREATED, leftover));
    observed.ownStartEnded("node-1", "web", null);
    long before = lists();
    assertThat(observed.read(node, "web")).extracting(ContainerInfo::id).containsExactly(leftover);
    assertThat(lists()).isEqualTo(before + 1);
  }

  @Test
  void theDeathOfAWrittenThroughContainerMarksTheEntry() {
    observed.read(node, "web");
    String id = ownStart(1);
    sim.crash(id, 9);
    observed.onEvent(new RuntimeEvent(RuntimeEvent.Type.DIED, "node-1", id, OwnerLabels.ofService("t", "web"), 9, clock.instant()));
    long before = lists();
    assertThat(observed.read(node, "web").get(0).state()).isEqualTo(ContainerState.EXITED);
    assertThat(lists()).isEqualTo(before + 1);
  }

  @Test
  void aStartEventExplainedOnceIsNotExplainedAgain() {
    observed.read(node, "web");
    String id = ownStart(1);
    observed.onEvent(event(RuntimeEvent.Type.STARTED, id)); // a second start: someone restarted it
    long before = lists();
    observed.read(node, "web");
    assertThat(lists()).isEqualTo(before + 1);
  }

  @Test
  void aListingThatBeganBeforeAWriteThroughDoesNotDropTheWrittenContainer() {
    create("web", 0);
    observed.read(node, "web");
    observed.touch("node-1", "web");
    AtomicReference<String> written = new AtomicReference<>();
    lagging.set(null);
    duringList.set(() -> written.set(ownStart(1))); // the own start ends while the listing (without it) is on its way
    assertThat(observed.read(node, "web")).as("the written container is kept").extracting(ContainerInfo::id).contains(written.get());
    long before = lists();
    assertThat(observed.read(node, "web")).hasSize(2);
    assertThat(lists()).as("listed again: that listing may lack the written container").isEqualTo(before + 1);
  }
}
