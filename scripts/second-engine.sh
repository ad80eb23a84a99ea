#!/usr/bin/env bash
# A second Docker Engine in its own network namespace, reached over TCP like a remote host
# (the recipe of docs ENVIRONMENT.md, "Several hosts on one machine"). Needs root, iproute2,
# nsenter and dockerd. Never touches the main engine.
#
#   second-engine.sh start NAME [X]    namespace NAME, veth-NAME 10.250.X.1 <-> eth0 10.250.X.2
#                                      (X: a free one when omitted), dockerd on tcp://10.250.X.2:2375;
#                                      starts the daemon again (same data root) if it was stopped.
#                                      Prints the engine's address, tcp://10.250.X.2:2375.
#   second-engine.sh stop NAME         SIGTERM to the daemon, waits until it exited (SIGKILL after 30 s);
#                                      namespace and data stay, for a later start.
#   second-engine.sh kill NAME         removes everything: every process in the namespace, the
#                                      namespace, the veth, /tmp/NAME.
#   second-engine.sh load NAME IMAGE   copies IMAGE from the main engine (docker save | load).
#   second-engine.sh partition NAME on|off
#                                      cuts (or restores) the namespace's link: eth0 inside it goes
#                                      down, so packets to it are dropped on this machine (never
#                                      routed elsewhere) and connections time out.
set -euo pipefail

die() { echo "second-engine: ERROR: $*" >&2; exit 1; }
log() { echo "second-engine: $*" >&2; }

cmd=${1:-}; name=${2:-}
[[ "$name" =~ ^[a-z][a-z0-9]{0,9}$ ]] || die "usage: $0 start|stop|kill|load|partition NAME ... (NAME: 1-10 lower-case letters/digits)"
dir=/tmp/$name
veth=veth-$name
pidfile=$dir/docker.pid

address() { [ -f "$dir/subnet" ] || die "no engine $name (no $dir/subnet)"; echo "10.250.$(cat "$dir/subnet").2"; }

daemon_pid() {
  if [ -f "$pidfile" ]; then
    local pid; pid=$(cat "$pidfile")
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then echo "$pid"; return 0; fi
  fi
  return 1
}

free_subnet() {
  local used; used=$(ip -o -4 addr show | awk '{print $4}')
  for _ in $(seq 1 200); do
    local x=$((100 + RANDOM % 150))
    grep -q "^10\.250\.$x\." <<<"$used" || { echo "$x"; return 0; }
  done
  die "no free 10.250.X.0/24 subnet"
}

start() {
  local x=${1:-}
  mkdir -p "$dir"
  if [ ! -e "/var/run/netns/$name" ]; then
    [ -n "$x" ] || x=$(free_subnet)
    ip -o -4 addr show | grep -q " 10\.250\.$x\." && die "10.250.$x.0/24 is already in use"
    echo "$x" > "$dir/subnet"
    ip netns add "$name"
    ip link add "$veth" type veth peer name eth0 netns "$name"
    ip addr add "10.250.$x.1/24" dev "$veth"
    ip link set "$veth" up
    nsenter --net="/var/run/netns/$name" sh -c "ip addr add 10.250.$x.2/24 dev eth0; ip link set eth0 up; ip link set lo up; ip route add default via 10.250.$x.1"
  fi
  local host; host="tcp://$(address):2375"
  if ! daemon_pid >/dev/null; then
    nsenter --net="/var/run/netns/$name" dockerd --tls=false -H "unix://$dir/docker.sock" -H "$host" \
      --data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$pidfile" < /dev/null >> "$dir/log" 2>&1 &
  fi
  for _ in $(seq 1 120); do
    if timeout 5 docker -H "$host" info >/dev/null 2>&1; then echo "$host"; return 0; fi
    sleep 0.5
  done
  tail -n 20 "$dir/log" >&2 || true
  die "dockerd of $name did not answer on $host within 60 s"
}

stop() {
  local pid
  pid=$(daemon_pid) || { log "dockerd of $name is not running"; return 0; }
  kill -TERM "$pid"
  for _ in $(seq 1 300); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  log "dockerd of $name ($pid) still alive after 30 s: SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
}

remove() {
  stop || true
  if [ -e "/var/run/netns/$name" ]; then
    # whatever is left in the namespace (containerd, shims, containers) is ours
    local pids; pids=$(ip netns pids "$name" 2>/dev/null || true)
    [ -z "$pids" ] || kill -KILL $pids 2>/dev/null || true
    ip netns del "$name" || true
  fi
  ip link del "$veth" 2>/dev/null || true
  if [ -d "$dir" ]; then
    grep -o " $dir/[^ ]*" /proc/mounts | sort -r | xargs -r -n1 umount -l 2>/dev/null || true
    rm -rf "$dir"
  fi
}

load() {
  local image=${1:?usage: $0 load NAME IMAGE}
  docker save "$image" | timeout 60 docker -H "tcp://$(address):2375" load >/dev/null
}

partition() {
  local x; x=$(cat "$dir/subnet")
  case "${1:-}" in
    on) nsenter --net="/var/run/netns/$name" ip link set eth0 down ;;
    off) nsenter --net="/var/run/netns/$name" sh -c "ip link set eth0 up && ip route replace default via 10.250.$x.1" ;;
    *) die "usage: $0 partition NAME on|off" ;;
  esac
}

case "$cmd" in
  start) start "${3:-}" ;;
  stop) stop ;;
  kill) remove ;;
  load) load "${3:-}" ;;
  partition) partition "${3:-}" ;;
  *) die "unknown command '$cmd' (start|stop|kill|load|partition)" ;;
esac
