#!/usr/bin/env bash
# Makes sure a Docker Engine answers on this machine and that busybox-static is installed.
# Idempotent: an engine that already answers is left alone (never a second dockerd).
set -euo pipefail

log() { echo "ensure-docker: $*" >&2; }
die() { echo "ensure-docker: ERROR: $*" >&2; exit 1; }

apt_updated=0
apt_install() {
  local missing=()
  for pkg in "$@"; do
    dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
  done
  [ ${#missing[@]} -eq 0 ] && return 0
  command -v apt-get >/dev/null 2>&1 || die "missing packages ${missing[*]} and no apt-get to install them"
  if [ "$apt_updated" -eq 0 ]; then
    log "apt-get update"
    apt-get update -q >/dev/null || die "apt-get update failed"
    apt_updated=1
  fi
  log "installing ${missing[*]}"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null \
    || die "apt-get install ${missing[*]} failed"
}

# busybox-static provides /bin/busybox, the only thing the test images are built from.
apt_install busybox-static

if docker info >/dev/null 2>&1; then
  log "Docker Engine already answers"
  exit 0
fi

apt_install docker.io
command -v dockerd >/dev/null 2>&1 || die "dockerd not found after installing docker.io"

dockerd_running() {
  if [ -f /var/run/docker.pid ] && kill -0 "$(cat /var/run/docker.pid)" 2>/dev/null; then
    return 0
  fi
  command -v pgrep >/dev/null 2>&1 && pgrep -x dockerd >/dev/null 2>&1
}

if dockerd_running; then
  log "a dockerd is already running but does not answer yet; waiting for it (not starting a second one)"
else
  log "starting dockerd (log: /var/log/dockerd.log)"
  nohup dockerd >/var/log/dockerd.log 2>&1 &
fi

for _ in $(seq 1 120); do
  if docker info >/dev/null 2>&1; then
    log "Docker Engine answers"
    exit 0
  fi
  sleep 0.5
done

echo "######################################################################" >&2
echo "ensure-docker: Docker Engine did NOT answer within 60 s." >&2
echo "ensure-docker: see /var/log/dockerd.log; last lines:" >&2
tail -n 20 /var/log/dockerd.log >&2 || true
echo "######################################################################" >&2
exit 1
