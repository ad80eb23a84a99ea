#!/usr/bin/env bash
# The DNS face of the registry against dnsmasq, side by side on loopback (dev.orchestrator.bench.DnsBench).
# Installs dnsmasq and dnsperf (Debian packages) when missing; nothing else. Never part of the test suite.
# Usage: scripts/dns-bench.sh [--services=100] [--replicas=3] [--seconds=10] [--clients=4] [--outstanding=200]
#                             [--rounds=2] [--udpThreads=2] [--latencySeconds=5]
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v dnsmasq >/dev/null || ! command -v dnsperf >/dev/null; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq dnsmasq dnsperf >/dev/null
fi
exec scripts/bench.sh DnsBench "$@"
