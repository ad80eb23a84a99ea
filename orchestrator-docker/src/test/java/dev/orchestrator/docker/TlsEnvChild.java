package dev.orchestrator.docker;

import dev.orchestrator.runtime.NodeInfo;
import java.time.Duration;

/**
 * Run in its own JVM by {@link DockerTlsTest} with DOCKER_HOST, DOCKER_TLS_VERIFY and
 * DOCKER_CERT_PATH in its environment: builds {@code DockerRuntime.builder().build()} (nothing
 * but timeouts configured, so the engine and the TLS files come from the environment only) and
 * prints {@code NODE <name> API <version> ADDRESS <host address>}; exits 1 with the error on stderr.
 */
public final class TlsEnvChild {
  private TlsEnvChild() {}

  public static void main(String[] args) {
    int status = 0;
    try (DockerRuntime runtime = DockerRuntime.builder()
        .connectTimeout(Duration.ofSeconds(3)).responseTimeout(Duration.ofSeconds(10)).build()) {
      NodeInfo node = runtime.node();
      System.out.println("NODE " + node.name() + " API " + runtime.apiVersion() + " ADDRESS " + node.address());
    } catch (RuntimeException e) {
      e.printStackTrace();
      status = 1;
    }
    System.out.flush();
    System.exit(status);
  }
}
