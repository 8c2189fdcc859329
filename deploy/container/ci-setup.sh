#!/usr/bin/env bash
# Prepares a Debian 12 host (root) for the container tests, from nothing, idempotently:
#   1. apt-get install podman, buildah, runc, debootstrap (and promtool from `prometheus` for the rule checks);
#   2. /etc/containers/containers.conf for this kind of host (podman-env.sh says why each line is there);
#   3. the local base images the Dockerfile's FROM lines name (make-base-images.sh);
#   4. podman's Docker-compatible API on unix:///run/podman/podman.sock, for Testcontainers.
# Progress goes to stderr. Stdout carries only the environment the tests need, so the caller can do
#     eval "$(bash deploy/container/ci-setup.sh)"
# which exports DOCKER_HOST and TESTCONTAINERS_RYUK_DISABLED=true (Ryuk's image cannot be pulled here).
#
#   ci-setup.sh --stop     stops the API service this script started (by the PID it recorded)
#
# A failure of any step is reported and the script exits 0 with no DOCKER_HOST printed: the container tests then
# skip with their reason printed, and the rest of the build still runs. Set PORTCULLIS_CI_STRICT=1 to fail instead.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
SOCK_PATH=${PORTCULLIS_PODMAN_SOCK:-/run/podman/podman.sock}
PIDFILE=/run/portcullis-podman-service.pid
LOG=/var/tmp/portcullis-podman-service.log
t0=$(date +%s)
say() { echo "ci-setup: [$(( $(date +%s) - t0 ))s] $*" >&2; }
fail() {
  say "FAILED: $*"
  if [ "${PORTCULLIS_CI_STRICT:-0}" = 1 ]; then exit 1; fi
  say "container tests will skip (PORTCULLIS_CI_STRICT=1 makes this fatal)"
  exit 0
}

if [ "${1:-}" = "--stop" ]; then
  if [ -f "$PIDFILE" ] && kill "$(cat "$PIDFILE")" 2>/dev/null; then say "stopped podman API service $(cat "$PIDFILE")"; fi
  rm -f "$PIDFILE"
  exit 0
fi

[ "$(id -u)" = 0 ] || fail "needs root (apt-get, debootstrap, rootful podman)"

# 1. packages
pkgs=(podman buildah runc debootstrap curl prometheus)
missing=()
# "install ok installed" only: a removed package keeps a dpkg status entry (config-files) that dpkg -s accepts.
installed() { [ "$(dpkg-query -W -f='${Status}' "$1" 2>/dev/null)" = "install ok installed" ]; }
for p in "${pkgs[@]}"; do installed "$p" || missing+=("$p"); done
if [ ${#missing[@]} -gt 0 ]; then
  say "installing ${missing[*]}"
  apt-get update -qq >&2 || fail "apt-get update"
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null 2>&1 \
    || fail "apt-get install ${missing[*]}"
  # The prometheus package starts its own server where systemd runs; the tests need only promtool.
  systemctl stop prometheus prometheus-node-exporter >/dev/null 2>&1 || true
fi
say "packages present"

# 2 + 3. podman configuration and base images
. "$here/podman-env.sh"
portcullis_containers_conf
"$here/make-base-images.sh" >&2 || fail "make-base-images.sh"

# 4. the API service (started once; a live socket is reused)
ping_api() { curl -sf --max-time 2 --unix-socket "$SOCK_PATH" http://d/_ping >/dev/null 2>&1; }
if ! ping_api; then
  mkdir -p "$(dirname "$SOCK_PATH")"
  rm -f "$SOCK_PATH"
  nohup podman system service --time=0 "unix://$SOCK_PATH" >"$LOG" 2>&1 </dev/null &
  echo $! > "$PIDFILE"
  for _ in $(seq 1 50); do ping_api && break; sleep 0.2; done
  ping_api || fail "podman API did not answer on $SOCK_PATH (log: $LOG)"
  say "podman API service started, PID $(cat "$PIDFILE"), socket $SOCK_PATH"
else
  say "podman API already answers on $SOCK_PATH"
fi

say "done"
echo "export DOCKER_HOST=unix://$SOCK_PATH"
echo "export TESTCONTAINERS_RYUK_DISABLED=true"
