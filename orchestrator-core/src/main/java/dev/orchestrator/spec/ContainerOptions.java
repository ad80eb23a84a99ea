package dev.orchestrator.spec;

import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * How a replica's container is run, beyond what it runs: the user, process and signal settings,
 * hardening, and logging. Runtimes map what they support (Docker maps all of it; the process
 * runtime ignores what an OS process cannot have).
 *
 * <p>Defaults ({@link #defaults()}): the image's user, no pids limit, the image's stop signal,
 * writable root filesystem, no capability changes, not privileged, an init process as PID 1, the
 * engine's default log driver. Privileged containers are refused unless the orchestrator's
 * builder allows them.
 *
 * @param user user (and optionally group) to run as, e.g. {@code "1000:1000"}; empty for the image's
 * @param pidsLimit maximum number of processes in the container, 0 for no limit
 * @param stopSignal signal sent on stop, e.g. {@code "SIGINT"}; empty for the image's (usually SIGTERM)
 * @param readOnlyRootFilesystem mount the container's root filesystem read-only
 * @param capDrop Linux capabilities to drop ({@code "ALL"} drops every one)
 * @param capAdd Linux capabilities to add back
 * @param privileged run with every privilege (refused unless the builder allows it)
 * @param init run an init process as PID 1 that reaps zombies and forwards signals
 * @param logDriver the engine's log driver; empty for its default
 * @param logOptions options of the log driver, e.g. {@code max-size}
 * @param dnsServers IP addresses of the resolvers the container uses (port 53), e.g. an embedded
 *     {@code DnsServer} bound to the bridge's gateway; empty for the engine's default
 * @param dnsSearch search domains for short names, e.g. {@code svc.local}; empty for the engine's default
 */
public record ContainerOptions(
    String user,
    long pidsLimit,
    String stopSignal,
    boolean readOnlyRootFilesystem,
    List<String> capDrop,
    List<String> capAdd,
    boolean privileged,
    boolean init,
    String logDriver,
    Map<String, String> logOptions,
    List<String> dnsServers,
    List<String> dnsSearch) {

  public ContainerOptions {
    user = user == null ? "" : user;
    stopSignal = stopSignal == null ? "" : stopSignal;
    capDrop = List.copyOf(Objects.requireNonNull(capDrop, "capDrop"));
    capAdd = List.copyOf(Objects.requireNonNull(capAdd, "capAdd"));
    logDriver = logDriver == null ? "" : logDriver;
    logOptions = Map.copyOf(new TreeMap<>(Objects.requireNonNull(logOptions, "logOptions")));
    dnsServers = List.copyOf(Objects.requireNonNull(dnsServers, "dnsServers"));
    dnsSearch = List.copyOf(Objects.requireNonNull(dnsSearch, "dnsSearch"));
  }

  public static ContainerOptions defaults() {
    return new ContainerOptions("", 0, "", false, List.of(), List.of(), false, true, "", Map.of(), List.of(), List.of());
  }

  public ContainerOptions withUser(String user) {
    return new ContainerOptions(user, pidsLimit, stopSignal, readOnlyRootFilesystem, capDrop, capAdd, privileged, init, logDriver, logOptions, dnsServers, dnsSearch);
  }

  public ContainerOptions withPidsLimit(long pidsLimit) {
    return new ContainerOptions(user, pidsLimit, stopSignal, readOnlyRootFilesystem, capDrop, capAdd, privileged, init, logDriver, logOptions, dnsServers, dnsSearch);
  }

  public ContainerOptions withStopSignal(String stopSignal) {
    return new ContainerOptions(user, pidsLimit, stopSignal, readOnlyRootFilesystem, capDrop, capAdd, privileged, init, logDriver, logOptions, dnsServers, dnsSearch);
  }

  public ContainerOptions withReadOnlyRootFilesystem(boolean readOnly) {
    return new ContainerOptions(user, pidsLimit, stopSignal, readOnly, capDrop, capAdd, privileged, init, logDriver, logOptions, dnsServers, dnsSearch);
  }

  public ContainerOptions withCapabilities(List<String> drop, List<String> add) {
    return new ContainerOptions(user, pidsLimit, stopSignal, readOnlyRootFilesystem, drop, add, privileged, init, logDriver, logOptions, dnsServers, dnsSearch);
  }

  public ContainerOptions withPrivileged(boolean privileged) {
    return new ContainerOptions(user, pidsLimit, stopSignal, readOnlyRootFilesystem, capDrop, capAdd, privileged, init, logDriver, logOptions, dnsServers, dnsSearch);
  }

  public ContainerOptions withInit(boolean init) {
    return new ContainerOptions(user, pidsLimit, stopSignal, readOnlyRootFilesystem, capDrop, capAdd, privileged, init, logDriver, logOptions, dnsServers, dnsSearch);
  }

  public ContainerOptions withLogging(String driver, Map<String, String> options) {
    return new ContainerOptions(user, pidsLimit, stopSignal, readOnlyRootFilesystem, capDrop, capAdd, privileged, init, driver, options, dnsServers, dnsSearch);
  }

  /** Resolvers (IP addresses, port 53) and search domains the container uses instead of the engine's. */
  public ContainerOptions withDns(List<String> servers, List<String> search) {
    return new ContainerOptions(user, pidsLimit, stopSignal, readOnlyRootFilesystem, capDrop, capAdd, privileged, init, logDriver,
        logOptions, servers, search);
  }
}
