package dev.orchestrator.reconcile;

import static org.assertj.core.api.Assertions.assertThat;

import dev.orchestrator.time.ManualClock;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * Random operations from several simulated workers (on one thread, with a manual clock) against
 * the queue and against a small reference model of its documented behaviour.
 */
class WorkQueuePropertiesTest {
  private static final int KEYS = 5;
  private static final int WORKERS = 3;

  interface Op {}

  record Add(int key) implements Op {}

  record AddAfter(int key, int seconds) implements Op {}

  record Get(int worker) implements Op {}

  record Done(int worker) implements Op {}

  record Advance(int seconds) implements Op {}

  @Provide
  Arbitrary<List<Op>> operations() {
    Arbitrary<Integer> keys = Arbitraries.integers().between(0, KEYS - 1);
    Arbitrary<Integer> workers = Arbitraries.integers().between(0, WORKERS - 1);
    Arbitrary<Integer> delays = Arbitraries.integers().between(-1, 3);
    Arbitrary<Op> op =
        Arbitraries.oneOf(
            keys.map(Add::new),
            Combinators.combine(keys, delays).as(AddAfter::new),
            workers.map(Get::new),
            workers.map(Done::new),
            Arbitraries.integers().between(0, 3).map(Advance::new));
    return op.list().ofMaxSize(100);
  }

  @Property(tries = 300)
  void noKeyIsHandedOutWhileProcessingNorQueuedTwice(@ForAll("operations") List<Op> ops)
      throws InterruptedException {
    ManualClock clock = new ManualClock();
    WorkQueue<Integer> queue = WorkQueue.create(clock, RateLimiter.defaults(clock));
    Model model = new Model();
    Map<Integer, Integer> heldByWorker = new HashMap<>();
    for (Op op : ops) {
      if (op instanceof Add add) {
        queue.add(add.key());
        model.add(add.key());
      } else if (op instanceof AddAfter addAfter) {
        queue.addAfter(addAfter.key(), Duration.ofSeconds(addAfter.seconds()));
        model.addAfter(addAfter.key(), addAfter.seconds());
      } else if (op instanceof Get get && !heldByWorker.containsKey(get.worker())) {
        Integer key = queue.poll(Duration.ZERO);
        assertThat(key).isEqualTo(model.get());
        if (key != null) {
          assertThat(heldByWorker).doesNotContainValue(key);
          heldByWorker.put(get.worker(), key);
        }
      } else if (op instanceof Done done && heldByWorker.containsKey(done.worker())) {
        Integer key = heldByWorker.remove(done.worker());
        queue.done(key);
        model.done(key);
      } else if (op instanceof Advance advance) {
        clock.advance(Duration.ofSeconds(advance.seconds()));
        model.now += advance.seconds();
      }
      model.promote();
      assertThat(queue.length()).isEqualTo(model.ready.size());
      assertThat(queue.delayedCount()).isEqualTo(model.waiting.size());
      assertThat(queue.processingCount()).isEqualTo(heldByWorker.size());
    }
    List<Integer> drained = new ArrayList<>();
    for (Integer key = queue.poll(Duration.ZERO); key != null; key = queue.poll(Duration.ZERO)) {
      drained.add(key);
    }
    assertThat(drained).doesNotHaveDuplicates().noneMatch(heldByWorker::containsValue);
    queue.shutDown();
  }

  /** The documented semantics, written as plainly as possible; time in whole seconds. */
  static final class Model {
    final Deque<Integer> ready = new ArrayDeque<>();
    final Set<Integer> dirty = new HashSet<>();
    final Set<Integer> processing = new HashSet<>();
    final Map<Integer, long[]> waiting = new HashMap<>(); // key -> {readyAt, insertion order}
    long now;
    long seq;

    void add(int key) {
      promote();
      enqueue(key);
    }

    void addAfter(int key, int seconds) {
      if (seconds <= 0) {
        add(key);
        return;
      }
      promote();
      long readyAt = now + seconds;
      long[] existing = waiting.get(key);
      if (existing == null || readyAt < existing[0]) {
        waiting.put(key, new long[] {readyAt, seq++});
      }
    }

    Integer get() {
      promote();
      Integer key = ready.poll();
      if (key != null) {
        dirty.remove(key);
        processing.add(key);
      }
      return key;
    }

    void done(int key) {
      processing.remove(key);
      if (dirty.contains(key)) {
        ready.add(key);
      }
    }

    void promote() {
      waiting.entrySet().stream()
          .filter(e -> e.getValue()[0] <= now)
          .sorted(
              Comparator.comparingLong((Map.Entry<Integer, long[]> e) -> e.getValue()[0])
                  .thenComparingLong(e -> e.getValue()[1]))
          .map(Map.Entry::getKey)
          .toList()
          .forEach(
              key -> {
                waiting.remove(key);
                enqueue(key);
              });
    }

    private void enqueue(int key) {
      if (dirty.add(key) && !processing.contains(key)) {
        ready.add(key);
      }
    }
  }
}
