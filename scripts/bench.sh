#!/usr/bin/env bash
# Builds the benchmarks module (and what it depends on, in the reactor) and runs one benchmark main.
# Usage: scripts/bench.sh <MainClass> [args...]
#   e.g. scripts/bench.sh DockerOverheadBench --n=20
#        scripts/bench.sh ParallelStartBench --n=50 --rounds=1
#        scripts/bench.sh HealingLatencyBench --iterations=30
# Needs java 17+, mvn, a running Docker Engine and /bin/busybox (busybox-static). Nothing is installed in ~/.m2.
set -euo pipefail

cd "$(dirname "$0")/.."

if [[ $# -lt 1 ]]; then
  echo "usage: scripts/bench.sh <MainClass> [args...]  (DockerOverheadBench, ParallelStartBench, HealingLatencyBench)" >&2
  exit 2
fi
main=$1
shift
[[ "$main" == *.* ]] || main="dev.orchestrator.bench.$main"

# Testcontainers against this engine: no Ryuk (its image cannot be pulled), no start-up checks,
# and the host is localhost (the machine has /.dockerenv, which would make it probe a gateway).
export TESTCONTAINERS_HOST_OVERRIDE=localhost
export TESTCONTAINERS_RYUK_DISABLED=true
export TESTCONTAINERS_CHECKS_DISABLE=true

build_log=$(mktemp)
if ! mvn -B -q -DskipTests -pl benchmarks -am package >"$build_log" 2>&1; then
  cat "$build_log" >&2
  rm -f "$build_log"
  echo "bench: the build failed" >&2
  exit 1
fi
rm -f "$build_log"

classpath_file=benchmarks/target/runtime-classpath.txt
if [[ ! -s "$classpath_file" ]]; then
  echo "bench: $classpath_file is missing; the build did not write it" >&2
  exit 1
fi

exec java -cp "benchmarks/target/classes:$(cat "$classpath_file")" "$main" "$@"
