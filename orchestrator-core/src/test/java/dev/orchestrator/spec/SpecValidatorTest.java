package dev.orchestrator.spec;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

class SpecValidatorTest {
  private final SpecValidator validator = new SpecValidator(SpecValidator.Options.defaults());

  private static ServiceSpec.Builder valid() {
    return ServiceSpec.builder("web").image("busybox").port(8080).replicas(2)
        .readiness(HealthCheck.http(8080, "/health"))
        .resources(Resources.requests(100, 64 * Resources.MIB).withLimits(200, 128 * Resources.MIB));
  }

  @Test
  void aValidSpecPasses() {
    validator.validate(valid().build());
    assertThat(validator.check(valid().build())).isEmpty();
  }

  static Stream<Arguments> invalidSpecs() {
    return Stream.of(
        Arguments.of(valid().name("Web_1"), "name", "Web_1"),
        Arguments.of(valid().name(""), "name", ""),
        Arguments.of(valid().name("a".repeat(64)), "name", "a".repeat(64)),
        Arguments.of(valid().image(" "), "image", " "),
        Arguments.of(valid().port(70000), "ports[1].containerPort", "70000"),
        Arguments.of(valid().port(0), "ports[1].containerPort", "0"),
        Arguments.of(valid().port(PortSpec.tcp(8080).withName("other")), "ports[1].containerPort", "8080"),
        Arguments.of(valid().port(PortSpec.tcp(9090).withHostPort(70000)), "ports[1].hostPort", "70000"),
        Arguments.of(valid().clearPorts().port(PortSpec.tcp(1).withHostPort(80)).port(PortSpec.tcp(2).withHostPort(80)), "ports[1].hostPort", "80"),
        Arguments.of(valid().port(PortSpec.tcp("p8080", 9090)), "ports[1].name", "p8080"),
        Arguments.of(valid().replicas(-1), "replicas", "-1"),
        Arguments.of(valid().resources(Resources.requests(-5, 0)), "resources.cpuMillis", "-5"),
        Arguments.of(valid().resources(Resources.requests(0, -1)), "resources.memoryBytes", "-1"),
        Arguments.of(valid().resources(Resources.requests(500, 0).withLimits(100, 0)), "resources.cpuLimitMillis", "100"),
        Arguments.of(valid().resources(Resources.requests(0, 256 * Resources.MIB).withLimits(0, 128 * Resources.MIB)), "resources.memoryLimitBytes", "128 MiB"),
        Arguments.of(valid().readiness(HealthCheck.tcp(9999)), "readiness.port", "9999"),
        Arguments.of(valid().liveness(HealthCheck.http(8080, "health")), "liveness.path", "health"),
        Arguments.of(valid().liveness(HealthCheck.exec()), "liveness.command", "[]"),
        Arguments.of(valid().readiness(HealthCheck.tcp(8080).withInterval(Duration.ZERO)), "readiness.interval", "PT0S"),
        Arguments.of(valid().readiness(HealthCheck.tcp(8080).withStartInterval(Duration.ofSeconds(11))), "readiness.startInterval", "PT11S"),
        Arguments.of(valid().liveness(HealthCheck.tcp(8080).withStartInterval(Duration.ofMillis(-1))), "liveness.startInterval", "PT-0.001S"),
        Arguments.of(valid().readiness(HealthCheck.tcp(8080).withThresholds(0, 3)), "readiness.successThreshold", "0"),
        Arguments.of(valid().mount(MountSpec.volume("data", "/data")).mount(MountSpec.tmpfs("/data/")), "mounts[1].target", "/data/"),
        Arguments.of(valid().mount(MountSpec.volume("data", "relative")), "mounts[0].target", "relative"),
        Arguments.of(valid().mount(MountSpec.bind("/", "/host")), "mounts[0].source", "/"),
        Arguments.of(valid().mount(MountSpec.bind("/tmp/..", "/host")), "mounts[0].source", "/tmp/.."),
        Arguments.of(valid().mount(MountSpec.bind("/var/run/docker.sock", "/var/run/docker.sock")), "mounts[0].source", "/var/run/docker.sock"),
        Arguments.of(valid().mount(MountSpec.bind("relative/dir", "/x")), "mounts[0].source", "relative/dir"),
        Arguments.of(valid().mount(MountSpec.volume("Bad_Name", "/x")), "mounts[0].source", "Bad_Name"),
        Arguments.of(valid().mount(MountSpec.bind("/srv", "/x").asPerReplica()), "mounts[0].perReplica", "true"),
        Arguments.of(valid().network("front").network("front"), "networks[1]", "front"),
        Arguments.of(valid().label("dev.orchestrator.instance", "x"), "labels.dev.orchestrator.instance", "dev.orchestrator.instance"),
        Arguments.of(valid().env("BAD-KEY", "x"), "env.BAD-KEY", "BAD-KEY"),
        Arguments.of(valid().constraint(new PlacementConstraint("zone", PlacementConstraint.Operator.IN, List.of())), "constraints[0].values", "[]"),
        Arguments.of(valid().stopGracePeriod(Duration.ofSeconds(-1)), "stopGracePeriod", "PT-1S"),
        Arguments.of(valid().options(ContainerOptions.defaults().withPrivileged(true)), "options.privileged", "true"),
        Arguments.of(valid().options(ContainerOptions.defaults().withPidsLimit(-1)), "options.pidsLimit", "-1"),
        Arguments.of(valid().options(ContainerOptions.defaults().withStopSignal("sigterm")), "options.stopSignal", "sigterm"),
        Arguments.of(valid().options(ContainerOptions.defaults().withUser("root user")), "options.user", "root user"),
        Arguments.of(valid().options(ContainerOptions.defaults().withCapabilities(List.of("net admin"), List.of())), "options.capDrop[0]", "net admin"),
        Arguments.of(valid().options(ContainerOptions.defaults().withDns(List.of("10.0.0.1", "dns.example"), List.of())),
            "options.dnsServers[1]", "dns.example"),
        Arguments.of(valid().options(ContainerOptions.defaults().withDns(List.of("300.1.1.1"), List.of())),
            "options.dnsServers[0]", "300.1.1.1"),
        Arguments.of(valid().options(ContainerOptions.defaults().withDns(List.of("fd00::53"), List.of("svc.local", "bad domain"))),
            "options.dnsSearch[1]", "bad domain"),
        Arguments.of(valid().restartPolicy(RestartPolicy.defaults().withBackoff(Duration.ofSeconds(10), Duration.ofSeconds(1), 2)), "restartPolicy.maxBackoff", "PT1S"));
  }

  @ParameterizedTest(name = "{1} = {2}")
  @MethodSource("invalidSpecs")
  void anInvalidFieldIsReportedWithItsPathAndValue(ServiceSpec.Builder spec, String path, String value) {
    ValidationException e = catchThrowableOfType(ValidationException.class, () -> validator.validate(spec.build()));
    assertThat(e).as("expected a violation of %s", path).isNotNull();
    assertThat(e.violations()).anySatisfy(v -> {
      assertThat(v.path()).isEqualTo(path);
      assertThat(v.value()).isEqualTo(value);
    });
    assertThat(e.getMessage()).contains(path).contains("'" + value + "'");
  }

  @Test
  void everyProblemIsReportedAtOnce() {
    ServiceSpec spec = ServiceSpec.builder("Bad Name").image("").port(0).replicas(-2)
        .readiness(HealthCheck.tcp(81)).mount(MountSpec.bind("/", "/host")).build();
    ValidationException e = catchThrowableOfType(ValidationException.class, () -> validator.validate(spec));
    assertThat(e.violations()).extracting(ValidationException.Violation::path)
        .contains("name", "image", "ports[0].containerPort", "replicas", "readiness.port", "mounts[0].source");
    assertThat(e.getMessage()).startsWith("invalid service 'Bad Name': 6 problems");
  }

  @Test
  void dangerousMountsPassWhenTheBuilderAllowsThem() {
    SpecValidator permissive = new SpecValidator(new SpecValidator.Options(true, true, 0, 0, true));
    ServiceSpec spec = valid().mount(MountSpec.bind("/", "/host")).mount(MountSpec.bind("/var/run/docker.sock", "/sock"))
        .options(ContainerOptions.defaults().withPrivileged(true)).build();
    assertThat(permissive.check(spec)).isEmpty();
  }

  @Test
  void aSymlinkToTheDockerSocketIsResolvedBeforeItIsChecked(@TempDir Path dir) throws IOException {
    Path link = dir.resolve("innocent");
    Files.createSymbolicLink(link, Path.of("/"));
    assertThatThrownBy(() -> validator.validate(valid().mount(MountSpec.bind(link.toString(), "/host")).build()))
        .isInstanceOf(ValidationException.class)
        .hasMessageContaining("root directory").hasMessageContaining("resolves to /");
  }

  @Test
  void aSymlinkToEtcIsResolvedAndRefusedWithFieldGivenPathResolvedPathAndRule(@TempDir Path dir) throws IOException {
    Path link = dir.resolve("config");
    Files.createSymbolicLink(link, Path.of("/etc"));
    String given = link + "/ssl";

    ValidationException e = catchThrowableOfType(ValidationException.class,
        () -> validator.validate(valid().mount(MountSpec.tmpfs("/tmp")).mount(MountSpec.bind(given, "/host")).build()));

    assertThat(e.violations()).singleElement().satisfies(v -> {
      assertThat(v.path()).isEqualTo("mounts[1].source");
      assertThat(v.value()).isEqualTo(given);
      assertThat(v.message()).contains("resolves to /etc/ssl").contains("host system directory /etc")
          .contains("unless the builder allows root mounts");
    });
  }

  @Test
  void dotDotAfterASymlinkClimbsFromTheLinksTarget(@TempDir Path dir) throws IOException {
    Files.createSymbolicLink(dir.resolve("ssl"), Path.of("/etc/ssl"));

    assertThat(SpecValidator.resolve(dir + "/ssl/../passwd")).isEqualTo("/etc/passwd");
    assertThat(SpecValidator.resolve(dir + "/missing/../x/./y")).isEqualTo(dir.toRealPath() + "/x/y");
  }

  @Test
  void systemDirectoriesTheirContentsAndParentsOfTheSocketAreRefused() {
    for (String path : List.of("/etc", "/etc/passwd", "/proc", "/proc/1/root", "/sys", "/sys/kernel", "/run", "/var/run")) {
      assertThat(validator.check(valid().mount(MountSpec.bind(path, "/host")).build()))
          .as(path).singleElement().satisfies(v -> assertThat(v.path()).isEqualTo("mounts[0].source"));
    }
    assertThat(validator.check(valid().mount(MountSpec.bind("/etcetera", "/host")).build())).isEmpty();
    assertThat(validator.check(valid().mount(MountSpec.bind("/srv/data", "/host")).build())).isEmpty();
  }

  @Test
  void theEnginesDataDirectoryItsContentsAndItsParentsAreRefusedUnlessRootMountsAreAllowed() {
    SpecValidator withEngine = new SpecValidator(SpecValidator.Options.defaults().withEngineDataDirs(Set.of("/srv/engine/data")));
    SpecValidator allowing = new SpecValidator(new SpecValidator.Options(true, false, 0, 0, false)
        .withEngineDataDirs(Set.of("/srv/engine/data")));

    for (String path : List.of("/srv/engine/data", "/srv/engine/data/volumes/x/_data", "/srv/engine")) {
      assertThat(withEngine.check(valid().mount(MountSpec.bind(path, "/host")).build())).as(path)
          .singleElement().satisfies(v -> assertThat(v.message()).contains("engine's data directory /srv/engine/data"));
      assertThat(allowing.check(valid().mount(MountSpec.bind(path, "/host")).build())).as(path).isEmpty();
    }
    assertThat(withEngine.check(valid().mount(MountSpec.bind("/srv/engine-other", "/host")).build())).isEmpty();
  }

  @Test
  void onlyATmpfsMountHasANonNegativeSize() {
    assertThat(validator.check(valid().mount(MountSpec.tmpfs("/cache", 64 * Resources.MIB)).build())).isEmpty();
    assertThat(validator.check(valid().mount(MountSpec.tmpfs("/cache", -1)).build()))
        .singleElement().satisfies(v -> assertThat(v.path()).isEqualTo("mounts[0].sizeBytes"));
    assertThat(validator.check(valid().mount(new MountSpec(MountSpec.Type.VOLUME, "data", "/d", false, false, 1024)).build()))
        .singleElement().satisfies(v -> assertThat(v.message()).contains("only a tmpfs mount has a size"));
  }

  @Test
  void aRequestLargerThanEveryNodeIsImpossible() {
    SpecValidator sized = new SpecValidator(new SpecValidator.Options(false, false, 4000, 8 * Resources.GIB, false));
    ValidationException e = catchThrowableOfType(ValidationException.class,
        () -> sized.validate(valid().resources(Resources.requests(8000, 16 * Resources.GIB)).build()));
    assertThat(e.violations()).extracting(ValidationException.Violation::path)
        .containsExactly("resources.cpuMillis", "resources.memoryBytes");
    assertThat(e.getMessage()).contains("16 GiB").contains("largest node's capacity of 8 GiB");
  }

  @Test
  void volumeAndNetworkNamesAreChecked() {
    assertThatThrownBy(() -> validator.validate(VolumeSpec.named("Data!"))).hasMessageContaining("name = 'Data!'");
    assertThatThrownBy(() -> validator.validate(NetworkSpec.named("net").withSubnet("10.0.0.0", "")))
        .hasMessageContaining("subnet = '10.0.0.0'");
    validator.validate(NetworkSpec.named("net").withSubnet("10.10.0.0/24", "10.10.0.1"));
  }
}
