#!/usr/bin/env bash
# Builds the Portcullis image from the repository's own Dockerfile, unchanged, with the local base images
# (make them first with make-base-images.sh; nothing is pulled).
#
# Usage: deploy/container/build-image.sh [TAG]        (default tag: portcullis:latest; also tagged portcullis:latest)
# Env:   ENGINE=podman|docker (default podman)
#
# Why each flag:
#   --pull=never   no registry is reachable; the FROM images are local stand-ins under the public names
#   --network host the build stage downloads missing artifacts from Maven Central and apt fetches nftables; the
#                  default bridge network of a build container is not set up on hosts like this one
#   -v ~/.m2/repository:/host-m2:ro + MAVEN_ARGS=-Dmaven.repo.local.tail=/host-m2
#                  (podman only) the host's local Maven repository as a read-only second repository (Maven 3.9
#                  "tail"), so a host that has built the project once builds the image without downloading;
#                  anything missing still comes from Maven Central into the build's cache mount.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
. "$here/podman-env.sh"
portcullis_need "$ENGINE"
portcullis_containers_conf

tag=${1:-portcullis:latest}
args=(build "${NO_PULL[@]}" --network host -f "$repo/Dockerfile" -t "$tag" -t portcullis:latest)
m2=${HOST_M2_REPOSITORY:-$HOME/.m2/repository}
[ "$ENGINE" = podman ] && args+=(--format docker)   # OCI format would drop HEALTHCHECK
if [ "$ENGINE" = podman ] && [ -d "$m2" ]; then
  args+=(-v "$m2:/host-m2:ro" --build-arg "MAVEN_ARGS=-Dmaven.repo.local.tail=/host-m2")
fi
for img in docker.io/library/debian:bookworm-slim docker.io/library/maven:3.9-eclipse-temurin-25; do
  "$ENGINE" image inspect "$img" >/dev/null 2>&1 \
    || { echo "build-image: base image $img missing; run deploy/container/make-base-images.sh first" >&2; exit 1; }
done
t0=$(date +%s)
"$ENGINE" "${args[@]}" "$repo"
echo "build-image: built $tag in $(( $(date +%s) - t0 ))s" >&2
