package dev.orchestrator.network.lb;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.orchestrator.network.lb.LoadBalancer.Lease;
import dev.orchestrator.network.lb.LoadBalancer.Strategy;
import dev.orchestrator.registry.Endpoint;
import dev.orchestrator.registry.InMemoryServiceRegistry;
import dev.orchestrator.time.ManualClock;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class LoadBalancerTest {
  private final InMemoryServiceRegistry registry = new InMemoryServiceRegistry();
  private final ManualClock clock = new ManualClock();
  private final List<LoadBalancer> balancers = new ArrayList<>();

  @AfterEach
  void close() {
    balancers.forEach(LoadBalancer::close);
    registry.close();
  }

  private static Endpoint web(int slot) {
    return new Endpoint("web", "web-" + slot, "node-1", "127.0.0.1", Map.of("http", 32000 + slot), Map.of());
  }

  private LoadBalancer lb(Strategy strategy, int replicas) {
    for (int i = 0; i < replicas; i++) {
      registry.register(web(i));
    }
    LoadBalancer lb = LoadBalancer.builder(registry, "web").strategy(strategy).clock(clock).random(new Random(7))
        .failurePolicy(2, Duration.ofSeconds(30)).build();
    balancers.add(lb);
    return lb;
  }

  private static String pick(LoadBalancer lb) {
    try (Lease lease = lb.choose()) {
      return lease.endpoint().id();
    }
  }

  @Test
  void roundRobinTakesEndpointsInTurnInIdOrder() {
    LoadBalancer lb = lb(Strategy.ROUND_ROBIN, 3);

    assertThat(List.of(pick(lb), pick(lb), pick(lb), pick(lb), pick(lb), pick(lb)))
        .containsExactly("web-0", "web-1", "web-2", "web-0", "web-1", "web-2");
  }

  @Test
  void anEndpointFailingTwiceInARowCoolsDownThenReturns() {
    LoadBalancer lb = lb(Strategy.ROUND_ROBIN, 3);
    fail(lb, "web-1");
    assertThat(picks(lb, 6)).contains("web-1"); // one failure is below the threshold

    fail(lb, "web-1");
    assertThat(picks(lb, 6)).containsOnly("web-0", "web-2").hasSize(6);

    clock.advance(Duration.ofSeconds(29));
    assertThat(picks(lb, 4)).doesNotContain("web-1");
    clock.advance(Duration.ofSeconds(1));
    assertThat(picks(lb, 3)).containsExactlyInAnyOrder("web-0", "web-1", "web-2");
  }

  @Test
  void aSuccessClearsTheConsecutiveFailures() {
    LoadBalancer lb = lb(Strategy.ROUND_ROBIN, 2);
    fail(lb, "web-0");
    succeed(lb, "web-0");
    fail(lb, "web-0");

    assertThat(picks(lb, 4)).contains("web-0");
  }

  @Test
  void whenEveryEndpointCoolsDownChooseSaysSoAndWhen() {
    LoadBalancer lb = lb(Strategy.RANDOM, 2);
    for (String id : List.of("web-0", "web-1")) {
      fail(lb, id);
      fail(lb, id);
    }

    assertThatThrownBy(lb::choose).isInstanceOf(NoEndpointAvailableException.class)
        .hasMessageContaining("all 2 endpoints of service web are cooling down").hasMessageContaining("PT30S");
  }

  @Test
  void aServiceWithoutEndpointsAndAClosedBalancerRefuseToChoose() {
    LoadBalancer lb = lb(Strategy.ROUND_ROBIN, 0);
    assertThatThrownBy(lb::choose).isInstanceOf(NoEndpointAvailableException.class).hasMessageContaining("service web has no registered endpoint");

    lb.close();
    assertThatThrownBy(lb::choose).isInstanceOf(IllegalStateException.class).hasMessageContaining("closed");
  }

  @Test
  void randomPicksUniformlyWithTheGivenSourceAmongEndpointsNotCoolingDown() {
    LoadBalancer lb = lb(Strategy.RANDOM, 4);
    int drawn = fail(lb, "web-2") + fail(lb, "web-2");
    Random same = new Random(7);
    List<String> expected = new ArrayList<>();
    for (int i = 0; i < drawn; i++) {
      same.nextInt(4); // the picks made while failing web-2, among all four
    }
    List<String> up = List.of("web-0", "web-1", "web-3");
    for (int i = 0; i < 300; i++) {
      expected.add(up.get(same.nextInt(3)));
    }

    List<String> picks = picks(lb, 300);

    assertThat(picks).isEqualTo(expected);
    assertThat(picks).containsOnly("web-0", "web-1", "web-3");
    for (String id : up) {
      assertThat(picks.stream().filter(id::equals).count()).as(id).isBetween(70L, 130L);
    }
  }

  @Test
  void leastInFlightPicksTheEndpointWithFewestOpenLeasesAndRotatesTies() {
    LoadBalancer lb = lb(Strategy.LEAST_IN_FLIGHT, 3);
    Lease a = lb.choose();
    Lease b = lb.choose();
    Lease c = lb.choose();
    assertThat(List.of(a, b, c)).extracting(l -> l.endpoint().id()).containsExactlyInAnyOrder("web-0", "web-1", "web-2");

    Lease second = lb.choose();
    String busy = second.endpoint().id();
    List<Lease> open = new ArrayList<>(List.of(a, b, c, second));
    open.stream().filter(l -> !l.endpoint().id().equals(busy)).findFirst().orElseThrow().success();
    String freed = open.stream().filter(l -> !l.endpoint().id().equals(busy)).findFirst().orElseThrow().endpoint().id();

    Lease third = lb.choose();
    assertThat(third.endpoint().id()).isEqualTo(freed);
    assertThat(lb.inFlight(busy)).isEqualTo(2);
  }

  @Test
  void aLeaseCountsOnceHoweverOftenItIsCompleted() {
    LoadBalancer lb = lb(Strategy.LEAST_IN_FLIGHT, 1);
    Lease lease = lb.choose();
    Lease other = lb.choose();
    assertThat(lb.inFlight("web-0")).isEqualTo(2);

    lease.failed();
    lease.failed();
    lease.close();
    lease.success();

    assertThat(lb.inFlight("web-0")).isEqualTo(1);
    assertThat(picks(lb, 3)).containsOnly("web-0"); // one failure only: below the threshold of 2
    other.close();
    assertThat(lb.inFlight("web-0")).isZero();
  }

  @Test
  void registryChangesAreFollowedAndUnchangedEndpointsKeepTheirState() {
    LoadBalancer lb = lb(Strategy.ROUND_ROBIN, 2);
    fail(lb, "web-0");
    fail(lb, "web-0");

    registry.register(web(2));
    await().atMost(Duration.ofSeconds(10)).until(() -> picks(lb, 3).contains("web-2"));
    assertThat(picks(lb, 6)).containsOnly("web-1", "web-2");

    registry.deregister("web", "web-1");
    await().atMost(Duration.ofSeconds(10)).until(() -> !picks(lb, 3).contains("web-1"));
    assertThat(picks(lb, 4)).containsOnly("web-2");

    registry.register(new Endpoint("web", "web-0", "node-2", "127.0.0.1", Map.of("http", 33000), Map.of()));
    await().atMost(Duration.ofSeconds(10)).until(() -> picks(lb, 2).contains("web-0")); // a new registration starts afresh
  }

  @Test
  void manyThreadsChoosingAndCompletingLeaveNothingInFlight() throws Exception {
    LoadBalancer lb = lb(Strategy.LEAST_IN_FLIGHT, 4);
    ExecutorService pool = Executors.newFixedThreadPool(8);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 8; t++) {
        done.add(pool.submit(() -> {
          for (int i = 0; i < 2_000; i++) {
            Lease lease = lb.choose();
            if (i % 3 == 0) {
              lease.success();
            } else {
              lease.close();
            }
          }
        }));
      }
      for (Future<?> f : done) {
        f.get(30, TimeUnit.SECONDS);
      }
    } finally {
      pool.shutdownNow();
    }
    for (int i = 0; i < 4; i++) {
      assertThat(lb.inFlight("web-" + i)).isZero();
    }
  }

  @Test
  void badPoliciesAreRejectedNamingTheValue() {
    assertThatThrownBy(() -> LoadBalancer.builder(registry, "web").failurePolicy(0, Duration.ofSeconds(1))).hasMessageContaining("was 0");
    assertThatThrownBy(() -> LoadBalancer.builder(registry, "web").failurePolicy(1, Duration.ofSeconds(-1))).hasMessageContaining("PT-1S");
  }

  private static List<String> picks(LoadBalancer lb, int n) {
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      ids.add(pick(lb));
    }
    return ids;
  }

  /** Chooses until {@code id} comes up, then fails that lease; returns the number of choices made. */
  private static int fail(LoadBalancer lb, String id) {
    return complete(lb, id, false);
  }

  private static void succeed(LoadBalancer lb, String id) {
    complete(lb, id, true);
  }

  private static int complete(LoadBalancer lb, String id, boolean ok) {
    for (int i = 0; i < 100; i++) {
      Lease lease = lb.choose();
      if (lease.endpoint().id().equals(id)) {
        if (ok) {
          lease.success();
        } else {
          lease.failed();
        }
        return i + 1;
      }
      lease.close();
    }
    throw new AssertionError(id + " never chosen");
  }
}
