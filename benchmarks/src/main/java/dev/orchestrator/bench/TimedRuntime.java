package dev.orchestrator.bench;

import dev.orchestrator.Subscription;
import dev.orchestrator.runtime.ContainerInfo;
import dev.orchestrator.runtime.ContainerRequest;
import dev.orchestrator.runtime.ContainerRuntime;
import dev.orchestrator.runtime.ContainerStats;
import dev.orchestrator.runtime.ExecResult;
import dev.orchestrator.runtime.NodeInfo;
import dev.orchestrator.runtime.RuntimeEvent;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.function.Consumer;

/**
 * A {@link ContainerRuntime} decorator that counts the orchestrator's engine calls and their
 * durations per operation, to show where a benchmark's time goes. {@code list} also counts the
 * containers it returned (the Docker runtime inspects each listed container).
 */
final class TimedRuntime implements ContainerRuntime {
  private final ContainerRuntime delegate;
  private final Map<String, List<Double>> calls = new TreeMap<>();
  private long listedContainers;
  /** Every call: operation, start and end (System.nanoTime), in order of completion. */
  private final List<Call> timeline = new ArrayList<>();

  record Call(String op, long start, long end) {}

  TimedRuntime(ContainerRuntime delegate) {
    this.delegate = delegate;
  }

  private <T> T timed(String op, Callable<T> call) {
    long t0 = System.nanoTime();
    try {
      return call.call();
    } catch (RuntimeException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException(e);
    } finally {
      double ms = Bench.ms(System.nanoTime() - t0);
      synchronized (this) {
        calls.computeIfAbsent(op, k -> new ArrayList<>()).add(ms);
        timeline.add(new Call(op, t0, System.nanoTime()));
      }
    }
  }

  private void timedRun(String op, Runnable call) {
    timed(op, () -> {
      call.run();
      return null;
    });
  }

  /** The first call of {@code op} that started at or after {@code after}, if any. */
  synchronized Optional<Call> firstAfter(String op, long after) {
    return timeline.stream().filter(c -> c.op().equals(op) && c.start() >= after)
        .min(java.util.Comparator.comparingLong(Call::start));
  }

  /** The last call of {@code op} that ended at or before {@code before}, if any. */
  synchronized Optional<Call> lastBefore(String op, long after, long before) {
    return timeline.stream().filter(c -> c.op().equals(op) && c.start() >= after && c.end() <= before)
        .max(java.util.Comparator.comparingLong(Call::end));
  }

  /** A copy of every call so far, in order of completion. */
  synchronized List<Call> timeline() {
    return new ArrayList<>(timeline);
  }

  /**
   * The mean number of calls of {@code ops} in flight between {@code from} and {@code to}
   * (System.nanoTime): how busy the caller kept the engine with them.
   */
  static double inFlight(List<Call> calls, java.util.Set<String> ops, long from, long to) {
    if (to <= from) {
      return Double.NaN;
    }
    long busy = 0;
    for (Call c : calls) {
      if (ops.contains(c.op())) {
        busy += Math.max(0, Math.min(c.end(), to) - Math.max(c.start(), from));
      }
    }
    return (double) busy / (to - from);
  }

  /** Rows (operation, calls, median ms, p90 ms, total ms) of a call list, by operation. */
  static List<List<String>> rowsOf(List<Call> calls) {
    Map<String, List<Double>> byOp = new TreeMap<>();
    calls.forEach(c -> byOp.computeIfAbsent(c.op(), k -> new ArrayList<>()).add(Bench.ms(c.end() - c.start())));
    List<List<String>> rows = new ArrayList<>();
    byOp.forEach((op, v) -> {
      Stats s = new Stats(v);
      rows.add(List.of(op, String.valueOf(v.size()), Stats.f(s.median()), Stats.f(s.p(90)),
          Stats.f(v.stream().mapToDouble(Double::doubleValue).sum())));
    });
    return rows;
  }

  synchronized void reset() {
    timeline.clear();
    calls.clear();
    listedContainers = 0;
  }

  /** Rows: operation, calls, median ms, p90 ms, total ms. */
  synchronized List<List<String>> rows() {
    List<List<String>> rows = new ArrayList<>();
    calls.forEach((op, v) -> {
      Stats s = new Stats(v);
      double total = v.stream().mapToDouble(Double::doubleValue).sum();
      rows.add(List.of(op + (op.equals("list") ? " (" + listedContainers + " containers listed+inspected)" : ""),
          String.valueOf(v.size()), Stats.f(s.median()), Stats.f(s.p(90)), Stats.f(total)));
    });
    return rows;
  }

  static final List<String> HEADER = List.of("engine call", "calls", "median ms", "p90 ms", "total ms");

  @Override
  public NodeInfo node() {
    return delegate.node();
  }

  @Override
  public void ensureImage(String image) {
    timedRun("ensureImage", () -> delegate.ensureImage(image));
  }

  @Override
  public String create(ContainerRequest request) {
    return timed("create", () -> delegate.create(request));
  }

  @Override
  public void start(String containerId) {
    timedRun("start", () -> delegate.start(containerId));
  }

  @Override
  public void stop(String containerId, Duration grace) {
    timedRun("stop", () -> delegate.stop(containerId, grace));
  }

  @Override
  public void remove(String containerId) {
    timedRun("remove", () -> delegate.remove(containerId));
  }

  @Override
  public List<ContainerInfo> list(Map<String, String> labelSelector) {
    List<ContainerInfo> out = timed("list", () -> delegate.list(labelSelector));
    synchronized (this) {
      listedContainers += out.size();
    }
    return out;
  }

  @Override
  public Optional<ContainerInfo> inspect(String containerId) {
    return timed("inspect", () -> delegate.inspect(containerId));
  }

  @Override
  public Subscription subscribe(Consumer<RuntimeEvent> listener) {
    return delegate.subscribe(listener);
  }

  @Override
  public ContainerStats stats(String containerId) {
    return timed("stats", () -> delegate.stats(containerId));
  }

  @Override
  public List<String> logs(String containerId, int tailLines) {
    return timed("logs", () -> delegate.logs(containerId, tailLines));
  }

  @Override
  public ExecResult exec(String containerId, List<String> command, Duration timeout) {
    return timed("exec", () -> delegate.exec(containerId, command, timeout));
  }

  @Override
  public int parallelism() {
    return delegate.parallelism();
  }

  @Override
  public void close() {
    delegate.close();
  }
}
