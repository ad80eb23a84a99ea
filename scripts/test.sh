#!/usr/bin/env bash
# Runs every test of every module against real engines. On a fresh Debian machine it first
# installs and starts what the tests need (Docker Engine, busybox-static for the test images);
# it fails loudly, never skips, when a prerequisite cannot be had.
set -euo pipefail
cd "$(dirname "$0")/.."

die() { echo "test.sh: ERROR: $*" >&2; exit 1; }
command -v java >/dev/null 2>&1 || die "no 'java' on the PATH: install a JDK 17 or newer"
command -v mvn >/dev/null 2>&1 || die "no 'mvn' on the PATH: install Apache Maven 3.8 or newer"

scripts/ensure-docker.sh

# Testcontainers on this kind of machine (see docs/testing.md): no reaper image to pull, and
# the machine looks like a container to it.
export TESTCONTAINERS_HOST_OVERRIDE=localhost
export TESTCONTAINERS_RYUK_DISABLED=true
export TESTCONTAINERS_CHECKS_DISABLE=true

status=0
mvn -B -ntp verify "$@" || status=$?

# One closing line over every module's Surefire reports.
passed=0; failed=0; skipped=0
for report in */target/surefire-reports/*.txt; do
  [ -f "$report" ] || continue
  line=$(grep -m1 -E '^Tests run:' "$report" || true)
  [ -n "$line" ] || continue
  run=$(sed -E 's/^Tests run: ([0-9]+).*/\1/' <<<"$line")
  fails=$(sed -E 's/.*Failures: ([0-9]+).*/\1/' <<<"$line")
  errors=$(sed -E 's/.*Errors: ([0-9]+).*/\1/' <<<"$line")
  skips=$(sed -E 's/.*Skipped: ([0-9]+).*/\1/' <<<"$line")
  failed=$((failed + fails + errors)); skipped=$((skipped + skips))
  passed=$((passed + run - fails - errors - skips))
done
echo "tests: ${passed} passed, ${failed} failed, ${skipped} skipped"
if [ "$status" -ne 0 ]; then
  echo "test.sh: the build failed (exit ${status})" >&2
fi
exit "$status"
