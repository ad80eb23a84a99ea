package dev.orchestrator.runtime;

/**
 * A container port reachable from outside the container.
 *
 * @param containerPort the port inside the container
 * @param protocol "tcp" or "udp"
 * @param hostAddress the address to connect to (e.g. 127.0.0.1, or a node's address)
 * @param hostPort the port to connect to
 */
public record PublishedPort(int containerPort, String protocol, String hostAddress, int hostPort) {}
