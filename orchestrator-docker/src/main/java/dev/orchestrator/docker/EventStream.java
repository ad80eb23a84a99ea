package dev.orchestrator.docker;

import com.github.dockerjava.api.command.EventsCmd;
import com.github.dockerjava.api.model.Event;
import dev.orchestrator.Subscription;
import dev.orchestrator.runtime.OwnerLabels;
import dev.orchestrator.runtime.RuntimeEvent;
import java.io.Closeable;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One engine event stream shared by every subscriber of a runtime: opened by the first
 * subscription, closed with the last. It asks only for container events of containers carrying
 * {@link OwnerLabels#INSTANCE} (or one instance's value), maps them to {@link RuntimeEvent}s and
 * delivers them on a runtime-owned thread.
 *
 * <p>The stream is a hint, not the truth: when it breaks it reconnects with backoff, resuming
 * from the last event's time (duplicates are dropped), and reports NODE_UNAVAILABLE /
 * NODE_AVAILABLE when the engine stops or starts answering. Events can still be lost (the
 * engine keeps a bounded backlog), so the orchestrator also re-lists periodically.
 */
final class EventStream implements AutoCloseable {
  private static final Logger log = LoggerFactory.getLogger(EventStream.class);
  private static final Duration MIN_BACKOFF = Duration.ofMillis(100);
  private static final Duration MAX_BACKOFF = Duration.ofSeconds(5);
  private static final Duration MIN_LIFETIME = Duration.ofSeconds(1);
  private static final Set<String> NON_LABEL_ATTRIBUTES = Set.of("image", "name", "exitCode", "signal");

  private final Engine engine;
  private final String instanceId;
  private final Duration connectTimeout;
  private final ScheduledExecutorService thread;
  private final List<Registration> registrations = new CopyOnWriteArrayList<>();
  private final Consumer<RuntimeEvent> observer;

  // guarded by this
  private Callback stream;
  private int generation;
  private long resumeNanos;
  private long openedNanos;
  private final Set<String> seenAtResume = new HashSet<>();
  private Duration backoff = MIN_BACKOFF;
  private boolean nodeDown;
  private boolean closed;

  /** {@code observer} sees every container event on the stream's thread before any listener does. */
  EventStream(Engine engine, String instanceId, Duration connectTimeout, String threadName, Consumer<RuntimeEvent> observer) {
    this.engine = engine;
    this.observer = observer;
    this.instanceId = instanceId;
    this.connectTimeout = connectTimeout;
    this.thread = Executors.newSingleThreadScheduledExecutor(r -> {
      Thread t = new Thread(r, threadName);
      t.setDaemon(true);
      return t;
    });
  }

  Subscription subscribe(Consumer<RuntimeEvent> listener) {
    Registration registration = new Registration(listener);
    boolean first;
    synchronized (this) {
      if (closed) {
        throw new IllegalStateException("the runtime is closed");
      }
      registrations.add(registration);
      first = registrations.size() == 1 && stream == null;
    }
    if (first) {
      connect(false); // on the caller's thread, so that no event after subscribe() returns is missed
    }
    return () -> unsubscribe(registration);
  }

  /**
   * Whether the stream is connected now and reports the events of containers labelled with
   * this instance id ({@code null}: any instance), so that no death among them goes unseen.
   */
  synchronized boolean covers(String instance) {
    boolean connected = stream != null && stream.started && !nodeDown && !closed;
    return connected && (instanceId == null || instanceId.equals(instance));
  }

  private void unsubscribe(Registration registration) {
    registration.active = false;
    Callback toClose = null;
    synchronized (this) {
      if (registrations.remove(registration) && registrations.isEmpty()) {
        toClose = stream;
        stream = null;
        generation++;
      }
    }
    if (toClose != null) {
      Engine.closeQuietly(toClose);
    }
  }

  /** Opens the stream; {@code resume}: replay what happened since the last event seen. */
  private void connect(boolean resume) {
    Callback callback;
    long since;
    synchronized (this) {
      if (closed || registrations.isEmpty() || (!resume && stream != null)) {
        return;
      }
      callback = new Callback(++generation);
      stream = callback;
      if (!resume) {
        // the engine's clock may differ from ours: filter nothing until the engine's own times arrive
        resumeNanos = 0;
        openedNanos = System.currentTimeMillis() * 1_000_000L;
        seenAtResume.clear();
      }
      since = resumeNanos > 0 ? resumeNanos : openedNanos;
    }
    try {
      EventsCmd cmd = engine.client().eventsCmd().withEventTypeFilter("container");
      cmd = instanceId == null
          ? cmd.withLabelFilter(OwnerLabels.INSTANCE)
          : cmd.withLabelFilter(Map.of(OwnerLabels.INSTANCE, instanceId));
      if (resume) {
        cmd = cmd.withSince(since / 1_000_000_000L + "." + String.format("%09d", since % 1_000_000_000L));
      }
      cmd.exec(callback);
      if (!callback.ready.await(connectTimeout.toMillis(), TimeUnit.MILLISECONDS)) {
        callback.onError(new InterruptedIOException("event stream did not start within " + Engine.seconds(connectTimeout)));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      callback.onError(e);
    } catch (RuntimeException e) {
      callback.onError(e);
    }
  }

  private void connected(Callback callback) {
    boolean cameBack;
    synchronized (this) {
      if (callback.generation != generation) {
        return;
      }
      backoff = MIN_BACKOFF;
      cameBack = nodeDown;
      nodeDown = false;
    }
    if (cameBack) {
      nodeEvent(RuntimeEvent.Type.NODE_AVAILABLE);
    }
  }

  private void broken(Callback callback, Throwable error) {
    Duration delay;
    boolean wentDown = false;
    synchronized (this) {
      if (callback.generation != generation || closed || registrations.isEmpty()) {
        return;
      }
      stream = null;
      generation++; // a late answer on the broken connection is ignored
      // a stream that ran a while and then ended, or timed out reading, was idle: the engine is fine
      boolean lived = callback.started && System.nanoTime() - callback.openedNanos > MIN_LIFETIME.toNanos();
      boolean idle = lived && (error == null || causedBy(error, InterruptedIOException.class));
      if (idle) {
        delay = Duration.ZERO; // the engine ended an idle stream: reconnect at once
      } else {
        delay = backoff;
        backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        wentDown = !nodeDown && chainIsUnreachable(error);
        nodeDown |= wentDown;
      }
    }
    if (error != null) {
      log.debug("Event stream of Docker Engine at {} broke; reconnecting", engine.host(), error);
    }
    if (wentDown) {
      nodeEvent(RuntimeEvent.Type.NODE_UNAVAILABLE);
    }
    thread.schedule(() -> connect(true), delay.toMillis(), TimeUnit.MILLISECONDS);
  }

  private static boolean chainIsUnreachable(Throwable error) {
    for (Throwable c = error; c != null; c = c.getCause()) {
      if (Engine.isUnreachable(c)) {
        return true;
      }
    }
    return causedBy(error, InterruptedIOException.class);
  }

  private static boolean causedBy(Throwable error, Class<? extends Throwable> type) {
    for (Throwable c = error; c != null; c = c.getCause()) {
      if (type.isInstance(c)) {
        return true;
      }
    }
    return false;
  }

  private void received(Callback callback, Event event) {
    RuntimeEvent.Type type = type(event.getAction());
    Long nanos = event.getTimeNano();
    if (type == null || nanos == null) {
      return;
    }
    synchronized (this) {
      if (callback.generation != generation) {
        return;
      }
      String key = event.getId() + "/" + event.getAction();
      if (nanos < resumeNanos || (nanos == resumeNanos && !seenAtResume.add(key))) {
        return; // replayed after a reconnect
      }
      if (nanos > resumeNanos) {
        resumeNanos = nanos;
        seenAtResume.clear();
        seenAtResume.add(key);
      }
    }
    Map<String, String> attributes = event.getActor() == null || event.getActor().getAttributes() == null
        ? Map.of() : event.getActor().getAttributes();
    Map<String, String> labels = new HashMap<>(attributes);
    labels.keySet().removeAll(NON_LABEL_ATTRIBUTES);
    int exitCode = type == RuntimeEvent.Type.DIED ? parseInt(attributes.get("exitCode")) : -1;
    Instant time = Instant.ofEpochSecond(0, nanos);
    RuntimeEvent runtimeEvent = new RuntimeEvent(type, engine.node(), event.getId(), labels, exitCode, time);
    observer.accept(runtimeEvent);
    deliver(runtimeEvent);
  }

  private static RuntimeEvent.Type type(String action) {
    return switch (action == null ? "" : action) {
      case "create" -> RuntimeEvent.Type.CREATED;
      case "start" -> RuntimeEvent.Type.STARTED;
      case "die" -> RuntimeEvent.Type.DIED;
      case "oom" -> RuntimeEvent.Type.OOM_KILLED;
      case "destroy" -> RuntimeEvent.Type.REMOVED;
      default -> null;
    };
  }

  private static int parseInt(String value) {
    try {
      return value == null ? -1 : Integer.parseInt(value);
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  private void nodeEvent(RuntimeEvent.Type type) {
    deliver(new RuntimeEvent(type, engine.node(), "", Map.of(), -1, Instant.now()));
  }

  private void deliver(RuntimeEvent event) {
    thread.execute(() -> {
      for (Registration r : registrations) {
        if (r.active) {
          try {
            r.listener.accept(event);
          } catch (RuntimeException e) {
            log.warn("Runtime event listener failed on {}", event, e);
          }
        }
      }
    });
  }

  @Override
  public void close() {
    Callback toClose;
    synchronized (this) {
      closed = true;
      registrations.forEach(r -> r.active = false);
      registrations.clear();
      toClose = stream;
      stream = null;
      generation++;
    }
    if (toClose != null) {
      Engine.closeQuietly(toClose);
    }
    thread.shutdownNow();
  }

  private static final class Registration {
    final Consumer<RuntimeEvent> listener;
    volatile boolean active = true;

    Registration(Consumer<RuntimeEvent> listener) {
      this.listener = listener;
    }
  }

  /** One connection's callback; events of stale generations are ignored. */
  private final class Callback extends StreamCallback<Event> {
    final int generation;
    final CountDownLatch ready = new CountDownLatch(1);
    final long openedNanos = System.nanoTime();
    volatile boolean started;
    private volatile boolean ended;

    Callback(int generation) {
      this.generation = generation;
    }

    @Override
    public void onStart(Closeable stream) {
      super.onStart(stream);
      started = true;
      ready.countDown();
      connected(this);
    }

    @Override
    public void onNext(Event event) {
      received(this, event);
    }

    @Override
    public void onError(Throwable throwable) {
      super.onError(throwable);
      end(throwable);
    }

    @Override
    public void onComplete() {
      super.onComplete();
      end(null);
    }

    private void end(Throwable error) {
      ready.countDown();
      if (!ended) {
        ended = true;
        broken(this, error);
      }
    }
  }
}
