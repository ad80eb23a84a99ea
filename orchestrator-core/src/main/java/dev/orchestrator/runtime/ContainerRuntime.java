package dev.orchestrator.runtime;

import dev.orchestrator.Subscription;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;

/**
 * The container-runtime SPI: one instance drives the containers of one node. The reconciler
 * is its only caller in normal use; implementations are the simulator, the process runtime
 * and the Docker Engine adapter.
 *
 * <p>Contract (checked by the runtime contract test kit):
 * <ul>
 *   <li>Thread-safe; every method returns or throws within the runtime's configured call
 *       timeout, throwing {@link RuntimeTimeoutException} when it could not finish in time.</li>
 *   <li>Container names are unique per node: {@link #create} of a taken name throws
 *       {@link ContainerConflictException} carrying the existing id, so a create that timed out
 *       but succeeded is found again, never duplicated.</li>
 *   <li>An unreachable node throws {@link NodeUnavailableException} from every call.</li>
 *   <li>Event listeners never run on a caller's thread and must not block. Events carry the
 *       container's labels; a container that exits (by itself, or stopped) yields a
 *       {@link RuntimeEvent.Type#DIED} event.</li>
 *   <li>Unknown ids: {@link #inspect} returns empty, {@link #stop} and {@link #remove} are no-ops
 *       (their goal is reached), and every other per-container call throws
 *       {@link ContainerRuntimeException} whose {@link ContainerRuntimeException#resourceId()}
 *       is the id.</li>
 * </ul>
 */
public interface ContainerRuntime extends AutoCloseable {

  /** Name, capacity, labels and address of the node this runtime drives. */
  NodeInfo node();

  /** Makes the image usable on this node (it may pull it) or throws {@link ImageNotFoundException}. */
  void ensureImage(String image);

  /** Creates (does not start) a container and returns its id. */
  String create(ContainerRequest request);

  /** Starts a created container. Starting a running container is a no-op. */
  void start(String containerId);

  /**
   * Asks the container to stop and kills it after {@code grace}. Stopping an exited or unknown
   * one is a no-op.
   */
  void stop(String containerId, Duration grace);

  /** Removes a container, killing it if it still runs. Removing an unknown id is a no-op. */
  void remove(String containerId);

  /** Every container on this node, exited ones included, carrying all the given labels. */
  List<ContainerInfo> list(Map<String, String> labelSelector);

  /** The container's current state, or empty if it does not exist. */
  Optional<ContainerInfo> inspect(String containerId);

  /** Delivers lifecycle events of this node's containers (and of the node) until closed. */
  Subscription subscribe(Consumer<RuntimeEvent> listener);

  /** Current CPU and memory usage of a running container. */
  ContainerStats stats(String containerId);

  /** The last {@code tailLines} lines the container wrote to stdout and stderr. */
  List<String> logs(String containerId, int tailLines);

  /** Runs a command inside a running container, bounded by {@code timeout}. */
  ExecResult exec(String containerId, List<String> command, Duration timeout);

  /**
   * How many calls the runtime serves at once without queueing them (its connection pool, say).
   * The orchestrator starts at most this many replicas on the node at a time, so that each start
   * runs its create, start and inspect back to back instead of every start queueing behind every
   * other. Unbounded by default.
   */
  default int parallelism() {
    return Integer.MAX_VALUE;
  }

  /**
   * Whether a call may wait: on I/O, on another process, or on anything but a short lock. True by
   * default. A runtime that answers from memory and never waits returns false; the orchestrator
   * then calls it on the calling thread, instead of handing every call to its engine pool so that
   * the caller can give up after the call timeout (the hand-off costs more than such a call).
   */
  default boolean mayBlock() {
    return true;
  }

  /** Releases the runtime's own resources (connections, threads); containers are left alone. */
  @Override
  void close();
}
