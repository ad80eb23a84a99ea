#!/usr/bin/env bash
# Builds the examples module (and orchestrator-core) and runs the QuickStart tour.
# Usage: scripts/run-example.sh [args...]   (from any directory; needs java 17+ and mvn)
set -euo pipefail

cd "$(dirname "$0")/.."

# -am builds orchestrator-core in the same reactor, so nothing needs to be installed in ~/.m2;
# the examples pom writes the resolved runtime classpath to examples/target/runtime-classpath.txt.
build_log=$(mktemp)
if ! mvn -B -q -DskipTests -pl examples -am package >"$build_log" 2>&1; then
  cat "$build_log" >&2
  rm -f "$build_log"
  echo "run-example: the build failed" >&2
  exit 1
fi
rm -f "$build_log"

classpath_file=examples/target/runtime-classpath.txt
if [[ ! -s "$classpath_file" ]]; then
  echo "run-example: $classpath_file is missing; the build did not write it" >&2
  exit 1
fi

exec java -cp "examples/target/classes:$(cat "$classpath_file")" dev.orchestrator.examples.QuickStart "$@"
