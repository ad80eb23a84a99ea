#!/usr/bin/env bash
# A second Docker Engine in its own network namespace, reached over TCP like a remote host
# (the recipe of docs ENVIRONMENT.md, "Several hosts on one machine"). Needs root, iproute2,
# nsenter and dockerd. Never touches the main engine.
#
#   second-engine.sh start NAME [X] [--tls]
#                                      namespace NAME, veth-NAME 10.250.X.1 <-> eth0 10.250.X.2
#                                      (X: a free one when omitted), dockerd on tcp://10.250.X.2:2375;
#                                      starts the daemon again (same data root, same mode) if it was stopped.
#                                      Prints the engine's address, tcp://10.250.X.2:2375.
#                                      --tls: mutual TLS instead, dockerd --tlsverify on tcp://10.250.X.2:2376.
#                                      A throwaway CA (openssl) signs a server certificate (subjectAltName
#                                      IP:10.250.X.2) and a client certificate (extendedKeyUsage clientAuth):
#                                      /tmp/NAME/tls/{ca.pem,server-cert.pem,server-key.pem} for dockerd,
#                                      /tmp/NAME/client/{ca.pem,cert.pem,key.pem} for clients (DOCKER_CERT_PATH
#                                      layout); the CA's key stays in /tmp/NAME/tls/ca-key.pem. Prints
#                                      tcp://10.250.X.2:2376. The mode is fixed when the namespace is created.
#   second-engine.sh stop NAME         SIGTERM to the daemon, waits until it exited (SIGKILL after 30 s);
#                                      namespace and data stay, for a later start.
#   second-engine.sh kill NAME         removes everything: every process in the namespace, the
#                                      namespace, the veth, /tmp/NAME.
#   second-engine.sh load NAME IMAGE   copies IMAGE from the main engine (docker save | load).
#   second-engine.sh host NAME         prints the engine's address (tcp://...:2375, or :2376 with TLS).
#   second-engine.sh partition NAME on|off
#                                      cuts (or restores) the namespace's link: eth0 inside it goes
#                                      down, so packets to it are dropped on this machine (never
#                                      routed elsewhere) and connections time out.
set -euo pipefail

die() { echo "second-engine: ERROR: $*" >&2; exit 1; }
log() { echo "second-engine: $*" >&2; }

cmd=${1:-}; name=${2:-}
[[ "$name" =~ ^[a-z][a-z0-9]{0,9}$ ]] || die "usage: $0 start|stop|kill|load|partition|host NAME ... (NAME: 1-10 lower-case letters/digits)"
dir=/tmp/$name
veth=veth-$name
pidfile=$dir/docker.pid

address() { [ -f "$dir/subnet" ] || die "no engine $name (no $dir/subnet)"; echo "10.250.$(cat "$dir/subnet").2"; }

tls_mode() { [ -f "$dir/tls-mode" ]; }

# The engine's TCP address: 2375 in plain mode, 2376 with mutual TLS.
host_uri() { if tls_mode; then echo "tcp://$(address):2376"; else echo "tcp://$(address):2375"; fi; }

# docker CLI options that reach the engine over TCP (with the client certificate in TLS mode).
client_opts() {
  if tls_mode; then
    echo "--tlsverify --tlscacert $dir/client/ca.pem --tlscert $dir/client/cert.pem --tlskey $dir/client/key.pem -H $(host_uri)"
  else
    echo "-H $(host_uri)"
  fi
}

# A throwaway CA, a server certificate for IP $1 and a client certificate, as described above.
make_certs() {
  local ip=$1 tls=$dir/tls client=$dir/client
  command -v openssl >/dev/null 2>&1 || die "openssl is needed for --tls"
  mkdir -p "$tls" "$client"
  chmod 700 "$tls" "$client"
  (
    set -e
    cd "$tls"
    openssl req -x509 -new -newkey rsa:2048 -nodes -sha256 -days 2 -keyout ca-key.pem -out ca.pem \
      -subj "/CN=second-engine $name throwaway CA" \
      -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign"
    openssl req -new -newkey rsa:2048 -nodes -sha256 -keyout server-key.pem -out server.csr -subj "/CN=$ip"
    printf '%s\n' "subjectAltName=IP:$ip" "extendedKeyUsage=serverAuth" \
      "keyUsage=critical,digitalSignature,keyEncipherment" "basicConstraints=critical,CA:FALSE" > server.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -sha256 -days 2 \
      -extfile server.ext -out server-cert.pem
    openssl req -new -newkey rsa:2048 -nodes -sha256 -keyout "$client/key.pem" -out client.csr -subj "/CN=second-engine $name client"
    printf '%s\n' "extendedKeyUsage=clientAuth" "keyUsage=critical,digitalSignature,keyEncipherment" \
      "basicConstraints=critical,CA:FALSE" > client.ext
    openssl x509 -req -in client.csr -CA ca.pem -CAkey ca-key.pem -CAcreateserial -sha256 -days 2 \
      -extfile client.ext -out "$client/cert.pem"
    cp ca.pem "$client/ca.pem"
    rm -f server.csr client.csr server.ext client.ext ca.srl
    chmod 600 ca-key.pem server-key.pem "$client/key.pem"
  ) > "$dir/openssl.log" 2>&1 || { cat "$dir/openssl.log" >&2; die "openssl could not make the certificates of $name"; }
}

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
  local x="" tls=false arg
  for arg in "$@"; do
    case "$arg" in
      --tls) tls=true ;;
      '') ;;
      *) [[ "$arg" =~ ^[0-9]{1,3}$ ]] && [ "$arg" -ge 1 ] && [ "$arg" -le 254 ] || die "start: X must be 1-254, was '$arg'"
         x=$arg ;;
    esac
  done
  mkdir -p "$dir"
  if [ ! -e "/var/run/netns/$name" ]; then
    [ -n "$x" ] || x=$(free_subnet)
    ip -o -4 addr show | grep -q " 10\.250\.$x\." && die "10.250.$x.0/24 is already in use"
    echo "$x" > "$dir/subnet"
    if $tls; then
      make_certs "10.250.$x.2"
      touch "$dir/tls-mode"
    else
      rm -f "$dir/tls-mode"
    fi
    ip netns add "$name"
    ip link add "$veth" type veth peer name eth0 netns "$name"
    ip addr add "10.250.$x.1/24" dev "$veth"
    ip link set "$veth" up
    nsenter --net="/var/run/netns/$name" sh -c "ip addr add 10.250.$x.2/24 dev eth0; ip link set eth0 up; ip link set lo up; ip route add default via 10.250.$x.1"
  fi
  if $tls && ! tls_mode; then die "engine $name exists in plain mode: kill it before starting it with --tls"; fi
  local host; host=$(host_uri)
  if ! daemon_pid >/dev/null; then
    local mode=(--tls=false)
    tls_mode && mode=(--tlsverify --tlscacert "$dir/tls/ca.pem" --tlscert "$dir/tls/server-cert.pem" --tlskey "$dir/tls/server-key.pem")
    nsenter --net="/var/run/netns/$name" dockerd "${mode[@]}" -H "unix://$dir/docker.sock" -H "$host" \
      --data-root "$dir/data" --exec-root "$dir/exec" --pidfile "$pidfile" < /dev/null >> "$dir/log" 2>&1 &
  fi
  for _ in $(seq 1 120); do
    # shellcheck disable=SC2046
    if timeout 5 docker $(client_opts) info >/dev/null 2>&1; then echo "$host"; return 0; fi
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
  # shellcheck disable=SC2046
  docker save "$image" | timeout 60 docker $(client_opts) load >/dev/null
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
  start) shift 2; start "$@" ;;
  stop) stop ;;
  kill) remove ;;
  load) load "${3:-}" ;;
  partition) partition "${3:-}" ;;
  host) host_uri ;;
  *) die "unknown command '$cmd' (start|stop|kill|load|partition|host)" ;;
esac
