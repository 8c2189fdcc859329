# Sourced by the scripts beside it (not run on its own). Makes podman usable on a host like ours: a root shell in a
# VM-like sandbox with hybrid cgroups (v1 controllers + a v2 "unified" mount), no systemd as PID 1, no registry.
#
# What it does, each step only when needed (so it is idempotent):
# - writes /etc/containers/containers.conf with the settings podman 4.3 needs here:
#     runtime=runc           crun fails here (no CAP_SYS_RESOURCE, hybrid cgroups)
#     cgroup_manager=cgroupfs  no systemd to ask for scopes
#     events_logger=file     no journald
#     default_ulimits        podman otherwise copies the host's hard limits, which this sandbox refuses to raise
#   An existing file that already names runtime = "runc" is left alone (an operator's own file wins).
# - sets ENGINE (podman unless ENGINE is set, e.g. ENGINE=docker for a Docker engine; that path is untested here)
#   and NO_PULL, the build flag that forbids pulling.

set -euo pipefail

ENGINE=${ENGINE:-podman}
# podman/buildah take --pull=never; Docker's build has no such value (it uses a local image when there is one).
if [ "$ENGINE" = podman ]; then NO_PULL=(--pull=never); else NO_PULL=(); fi
CONTAINERS_CONF=${CONTAINERS_CONF_PATH:-/etc/containers/containers.conf}

portcullis_containers_conf() {
  [ "$ENGINE" = podman ] || return 0
  if [ -f "$CONTAINERS_CONF" ] && grep -q '^[[:space:]]*runtime[[:space:]]*=[[:space:]]*"runc"' "$CONTAINERS_CONF"; then
    return 0
  fi
  mkdir -p "$(dirname "$CONTAINERS_CONF")"
  if [ -f "$CONTAINERS_CONF" ]; then cp "$CONTAINERS_CONF" "$CONTAINERS_CONF.before-portcullis"; fi
  cat > "$CONTAINERS_CONF" <<'CONF'
# Written by portcullis deploy/container/podman-env.sh (see the comments there for why each line is needed).
[containers]
default_ulimits = ["nofile=20000:20000", "nproc=32768:32768"]

[engine]
runtime = "runc"
cgroup_manager = "cgroupfs"
events_logger = "file"
CONF
  echo "podman-env: wrote $CONTAINERS_CONF" >&2
}

portcullis_need() {
  local missing=()
  for c in "$@"; do command -v "$c" >/dev/null 2>&1 || missing+=("$c"); done
  if [ ${#missing[@]} -gt 0 ]; then
    echo "podman-env: missing ${missing[*]}; run deploy/container/ci-setup.sh (or apt-get install podman buildah debootstrap)" >&2
    return 1
  fi
}
