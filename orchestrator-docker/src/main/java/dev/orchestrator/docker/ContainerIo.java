package dev.orchestrator.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import dev.orchestrator.Subscription;
import dev.orchestrator.runtime.ContainerStats;
import dev.orchestrator.runtime.ExecResult;
import java.time.Duration;
import java.util.List;
import java.util.function.Consumer;

/** What the runtime reads from and runs in a container: stats, logs (once or followed), exec. Thread-safe. */
final class ContainerIo {
  private final Engine engine;

  ContainerIo(Engine engine) {
    this.engine = engine;
  }

  ContainerStats stats(String containerId) {
    return engine.call("stats of container " + containerId, containerId, () -> {
      try {
        return Stats.read(engine, containerId);
      } catch (NotFoundException e) {
        throw engine.noSuchContainer(containerId, "read stats of");
      }
    });
  }

  Subscription followLogs(String containerId, int tailLines, Consumer<String> lines) {
    LineForwarder forwarder = engine.call("follow of the logs of container " + containerId, containerId, () -> {
      try {
        return engine.client().logContainerCmd(containerId)
            .withStdOut(true).withStdErr(true).withFollowStream(true).withTail(Math.max(0, tailLines))
            .exec(new LineForwarder(lines));
      } catch (NotFoundException e) {
        throw engine.noSuchContainer(containerId, "follow the logs of");
      }
    });
    return () -> Engine.closeQuietly(forwarder);
  }

  List<String> logs(String containerId, int tailLines) {
    if (tailLines <= 0) {
      return List.of();
    }
    return engine.call("logs of container " + containerId, containerId, () -> {
      try {
        FrameCollector frames = engine.client().logContainerCmd(containerId)
            .withStdOut(true).withStdErr(true).withFollowStream(false).withTail(tailLines)
            .exec(new FrameCollector());
        List<String> lines = engine.await(frames, engine.responseTimeout(), "logs of " + containerId, containerId).lines();
        return lines.size() <= tailLines ? lines : lines.subList(lines.size() - tailLines, lines.size());
      } catch (NotFoundException e) {
        throw engine.noSuchContainer(containerId, "read logs of");
      }
    });
  }

  /** Runs the command; when {@code timeout} passes first it throws and the command may keep running. */
  ExecResult exec(String containerId, List<String> command, Duration timeout) {
    return engine.call("exec in container " + containerId, containerId, () -> {
      DockerClient client = engine.client();
      try {
        String execId = client.execCreateCmd(containerId).withCmd(command.toArray(String[]::new))
            .withAttachStdout(true).withAttachStderr(true).exec().getId();
        FrameCollector out = client.execStartCmd(execId).exec(new FrameCollector());
        engine.await(out, timeout, "exec of " + command + " in " + containerId, containerId);
        Long exit = client.inspectExecCmd(execId).exec().getExitCodeLong();
        return new ExecResult(exit == null ? -1 : exit.intValue(), out.stdout(), out.stderr());
      } catch (NotFoundException e) {
        throw engine.noSuchContainer(containerId, "exec in");
      }
    });
  }
}
