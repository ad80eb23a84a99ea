package dev.orchestrator.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.github.dockerjava.api.model.Container;
import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.ContainerState;
import dev.orchestrator.runtime.RuntimeEvent;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Function;
import org.junit.jupiter.api.Test;

/**
 * When a listing is enough and when a container must be inspected. The engine's listing can still
 * say "running" after the die event (seen under load), so a death the stream reported always wins.
 */
class ListingTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final Instant STARTED = Instant.parse("2026-11-28T07:00:00Z");

  private final Listing listing = new Listing();
  private final List<String> inspected = new ArrayList<>();

  private static Container listed(String id, String state) throws Exception {
    return JSON.readValue("""
        {"Id":"%s","Names":["/%s-name"],"Image":"busybox:1","State":"%s","Labels":{"k":"v"},
         "Ports":[{"PrivatePort":8080,"PublicPort":32768,"IP":"127.0.0.1","Type":"tcp"}],
         "NetworkSettings":{"Networks":{"bridge":{"IPAddress":"172.17.0.5"}}}}
        """.formatted(id, id, state), Container.class);
  }

  private Function<String, Optional<ContainerInfo>> inspect(ContainerState state) {
    return id -> {
      inspected.add(id);
      return Optional.of(new ContainerInfo(id, id + "-name", "n", "busybox:1", Map.of("k", "v"), state,
          state == ContainerState.EXITED ? 137 : -1, false, STARTED, state == ContainerState.EXITED ? STARTED.plusSeconds(5) : null, List.of(), Map.of("bridge", "172.17.0.5")));
    };
  }

  private void knownRunning(String id) {
    listing.inspected(new ContainerInfo(id, id + "-name", "n", "busybox:1", Map.of(), ContainerState.RUNNING, -1, false,
        STARTED, null, List.of(), Map.of()));
  }

  @Test
  void a_live_container_inspected_once_is_then_taken_from_the_listing() throws Exception {
    knownRunning("a");
    List<ContainerInfo> infos = listing.infos(List.of(listed("a", "running")), true, "n", "127.0.0.1",
        inspect(ContainerState.RUNNING));
    assertThat(inspected).isEmpty();
    assertThat(infos).singleElement().satisfies(c -> {
      assertThat(c.running()).isTrue();
      assertThat(c.startedAt()).isEqualTo(STARTED);
      assertThat(c.name()).isEqualTo("a-name");
      assertThat(c.port(8080)).hasValueSatisfying(p -> assertThat(p.hostPort()).isEqualTo(32768));
      assertThat(c.networks()).containsEntry("bridge", "172.17.0.5");
    });
  }

  @Test
  void a_death_reported_by_the_stream_beats_a_listing_that_still_says_running_and_needs_no_inspect() throws Exception {
    knownRunning("a");
    Instant died = Instant.parse("2026-11-28T07:00:05Z");
    listing.observe(new RuntimeEvent(RuntimeEvent.Type.DIED, "n", "a", Map.of(), 137, died));
    List<ContainerInfo> infos = listing.infos(List.of(listed("a", "running")), true, "n", "127.0.0.1",
        inspect(ContainerState.RUNNING));
    assertThat(inspected).isEmpty();
    assertThat(infos).singleElement().satisfies(c -> {
      assertThat(c.state()).isEqualTo(ContainerState.EXITED);
      assertThat(c.exitCode()).isEqualTo(137);
      assertThat(c.oomKilled()).isFalse();
      assertThat(c.startedAt()).isEqualTo(STARTED);
      assertThat(c.finishedAt()).isEqualTo(died);
      assertThat(c.ports()).isEmpty();
    });
  }

  @Test
  void an_oom_event_before_the_death_marks_it_oom_killed() throws Exception {
    knownRunning("a");
    listing.observe(new RuntimeEvent(RuntimeEvent.Type.OOM_KILLED, "n", "a", Map.of(), -1, Instant.now()));
    listing.observe(new RuntimeEvent(RuntimeEvent.Type.DIED, "n", "a", Map.of(), 137, Instant.now()));
    assertThat(listing.infos(List.of(listed("a", "exited")), true, "n", "127.0.0.1", inspect(ContainerState.EXITED)))
        .singleElement().satisfies(c -> assertThat(c.oomKilled()).isTrue());
    assertThat(inspected).isEmpty();
  }

  @Test
  void a_death_seen_while_the_stream_did_not_vouch_is_inspected() throws Exception {
    knownRunning("a");
    listing.observe(new RuntimeEvent(RuntimeEvent.Type.DIED, "n", "a", Map.of(), 137, Instant.now()));
    assertThat(listing.infos(List.of(listed("a", "running")), false, "n", "127.0.0.1", inspect(ContainerState.EXITED)))
        .singleElement().extracting(ContainerInfo::state).isEqualTo(ContainerState.EXITED);
    assertThat(inspected).containsExactly("a");
  }

  @Test
  void without_a_vouching_stream_or_a_known_start_time_or_when_exited_it_inspects() throws Exception {
    knownRunning("a");
    listing.infos(List.of(listed("a", "running")), false, "n", "127.0.0.1", inspect(ContainerState.RUNNING));
    listing.infos(List.of(listed("b", "running")), true, "n", "127.0.0.1", inspect(ContainerState.RUNNING));
    listing.infos(List.of(listed("c", "exited")), true, "n", "127.0.0.1", inspect(ContainerState.EXITED));
    listing.infos(List.of(listed("d", "created")), true, "n", "127.0.0.1", inspect(ContainerState.CREATED));
    assertThat(inspected).containsExactly("a", "b", "c", "d");
    // the inspects taught b's start time and c's exit: the next listings need no inspect
    listing.infos(List.of(listed("b", "running")), true, "n", "127.0.0.1", inspect(ContainerState.RUNNING));
    assertThat(listing.infos(List.of(listed("c", "exited")), true, "n", "127.0.0.1", inspect(ContainerState.EXITED)))
        .singleElement().satisfies(c -> assertThat(c.exitCode()).isEqualTo(137));
    assertThat(inspected).containsExactly("a", "b", "c", "d");
  }

  @Test
  void a_restart_or_removal_forgets_the_start_time() throws Exception {
    knownRunning("a");
    listing.observe(new RuntimeEvent(RuntimeEvent.Type.STARTED, "n", "a", Map.of(), -1, STARTED.plusSeconds(60)));
    listing.infos(List.of(listed("a", "running")), true, "n", "127.0.0.1", inspect(ContainerState.RUNNING));
    knownRunning("z");
    listing.observe(new RuntimeEvent(RuntimeEvent.Type.REMOVED, "n", "z", Map.of(), -1, Instant.now()));
    listing.infos(List.of(listed("z", "running")), true, "n", "127.0.0.1", inspect(ContainerState.RUNNING));
    assertThat(inspected).containsExactly("a", "z");
  }

  @Test
  void the_start_event_of_the_start_an_inspect_saw_arrives_late_and_changes_nothing() throws Exception {
    knownRunning("a"); // the inspect right after the start call
    listing.observe(new RuntimeEvent(RuntimeEvent.Type.STARTED, "n", "a", Map.of(), -1, STARTED.plusMillis(40)));
    assertThat(listing.infos(List.of(listed("a", "running")), true, "n", "127.0.0.1", inspect(ContainerState.RUNNING)))
        .singleElement().satisfies(c -> assertThat(c.startedAt()).isEqualTo(STARTED));
    assertThat(inspected).isEmpty();
  }

  @Test
  void a_start_after_a_death_is_a_new_start_however_soon() throws Exception {
    knownRunning("a");
    listing.observe(new RuntimeEvent(RuntimeEvent.Type.DIED, "n", "a", Map.of(), 1, STARTED.plusMillis(100)));
    listing.observe(new RuntimeEvent(RuntimeEvent.Type.STARTED, "n", "a", Map.of(), -1, STARTED.plusMillis(200)));
    assertThat(listing.infos(List.of(listed("a", "running")), true, "n", "127.0.0.1", inspect(ContainerState.RUNNING)))
        .singleElement().satisfies(c -> assertThat(c.running()).isTrue());
    assertThat(inspected).containsExactly("a");
  }
}
