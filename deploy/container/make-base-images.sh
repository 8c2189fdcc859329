#!/usr/bin/env bash
# Makes, locally, the three base images that the repository's Dockerfile names in its FROM lines, so that the
# unchanged public Dockerfile builds on a machine that reaches no image registry (build with --pull=never):
#
#   docker.io/library/debian:bookworm-slim          debootstrap --variant=minbase bookworm, apt lists cleaned
#   docker.io/library/eclipse-temurin:25-jdk        the above + this host's Temurin 25 JDK at /opt/java/openjdk
#   docker.io/library/maven:3.9-eclipse-temurin-25  the above + Apache Maven 3.9 at /usr/share/maven (the tarball
#                                                   comes from Maven Central, fetched by mvn itself)
#
# Each image is made only when it does not exist yet (idempotent); --force remakes all three.
# The images stand in for the public ones: same names, same JAVA_HOME / MAVEN_HOME / PATH conventions, but Debian
# instead of Ubuntu underneath. Where a registry is reachable, simply pull the real ones instead.
#
# Usage: deploy/container/make-base-images.sh [--force]
# Env:   ENGINE=podman|docker (default podman), JDK_HOME (default /usr/lib/jvm/temurin-25-jdk-amd64),
#        MAVEN_VERSION (default 3.9.11), DEBIAN_MIRROR (default: the first bookworm mirror in /etc/apt/sources.list*)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
. "$here/podman-env.sh"

DEBIAN_IMAGE=docker.io/library/debian:bookworm-slim
JDK_IMAGE=docker.io/library/eclipse-temurin:25-jdk
MAVEN_IMAGE=docker.io/library/maven:3.9-eclipse-temurin-25
JDK_HOME=${JDK_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
MAVEN_VERSION=${MAVEN_VERSION:-3.9.11}

force=false
[ "${1:-}" = "--force" ] && force=true

portcullis_need "$ENGINE" debootstrap tar
portcullis_containers_conf

exists() { "$ENGINE" image inspect "$1" >/dev/null 2>&1; }
work=$(mktemp -d /var/tmp/portcullis-base.XXXXXX)
trap 'rm -rf "$work"' EXIT
t0=$(date +%s)
say() { echo "make-base-images: [$(( $(date +%s) - t0 ))s] $*" >&2; }

# The Debian mirror this host already uses (deb822 "URIs:" or one-line "deb URL bookworm ..."), else Debian's CDN.
debian_mirror() {
  if [ -n "${DEBIAN_MIRROR:-}" ]; then echo "$DEBIAN_MIRROR"; return; fi
  local m
  m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list 2>/dev/null \
      | awk '$1=="deb" && $0 ~ / bookworm( |$)/ { for (i=2;i<=NF;i++) if ($i ~ /^https?:/) { print $i; exit } }')
  if [ -z "$m" ]; then
    m=$(awk 'BEGIN{RS=""} /Suites:[^\n]*bookworm( |\n|$)/ && !/bookworm-security/ {
               if (match($0, /URIs:[ \t]*[^ \t\n]+/)) { s=substr($0, RSTART, RLENGTH); sub(/URIs:[ \t]*/, "", s); print s; exit } }' \
        /etc/apt/sources.list.d/*.sources 2>/dev/null || true)
  fi
  echo "${m:-http://deb.debian.org/debian}"
}

if $force || ! exists "$DEBIAN_IMAGE"; then
  mirror=$(debian_mirror)
  say "debootstrap minbase bookworm from $mirror"
  debootstrap --variant=minbase bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 \
    || { tail -20 "$work/debootstrap.log" >&2; exit 1; }
  # What the official slim image leaves out too: package lists, caches, docs and man pages.
  rm -rf "$work"/rootfs/var/lib/apt/lists/* "$work"/rootfs/var/cache/apt/*.bin "$work"/rootfs/var/cache/apt/archives/*.deb \
         "$work"/rootfs/usr/share/doc/* "$work"/rootfs/usr/share/man/* "$work"/rootfs/usr/share/info/* \
         "$work"/rootfs/var/log/*.log "$work"/rootfs/var/log/apt/* 2>/dev/null || true
  # The apt sources of the image: the same mirror, as the official image ships them.
  printf 'deb %s bookworm main\ndeb %s bookworm-updates main\n' "$mirror" "$mirror" > "$work/rootfs/etc/apt/sources.list"
  tar --numeric-owner -C "$work/rootfs" -c . \
    | "$ENGINE" import --change 'CMD ["bash"]' --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' \
        - "$DEBIAN_IMAGE" >"$work/import.log" 2>&1 || { cat "$work/import.log" >&2; exit 1; }
  rm -rf "$work/rootfs"
  say "made $DEBIAN_IMAGE"
else
  say "$DEBIAN_IMAGE exists"
fi

if $force || ! exists "$JDK_IMAGE"; then
  [ -x "$JDK_HOME/bin/jlink" ] || { echo "make-base-images: no JDK 25 at $JDK_HOME (set JDK_HOME)" >&2; exit 1; }
  mkdir -p "$work/jdk"
  cp -a "$JDK_HOME" "$work/jdk/openjdk"
  # Debian's Temurin package links cacerts to /etc/ssl/certs/java (absent in the image; jlink then fails): copy the file.
  if [ -L "$work/jdk/openjdk/lib/security/cacerts" ]; then
    rm "$work/jdk/openjdk/lib/security/cacerts"
    cp -L "$JDK_HOME/lib/security/cacerts" "$work/jdk/openjdk/lib/security/cacerts"
  fi
  # Same layout and variables as the official eclipse-temurin image.
  cat > "$work/jdk/Containerfile" <<EOF
FROM $DEBIAN_IMAGE
ENV JAVA_HOME=/opt/java/openjdk LANG=C.UTF-8
ENV PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
COPY openjdk /opt/java/openjdk
RUN java -version
CMD ["jshell"]
EOF
  "$ENGINE" build "${NO_PULL[@]}" -q -t "$JDK_IMAGE" "$work/jdk" >"$work/jdk.log" 2>&1 || { cat "$work/jdk.log" >&2; exit 1; }
  rm -rf "$work/jdk"
  say "made $JDK_IMAGE"
else
  say "$JDK_IMAGE exists"
fi

if $force || ! exists "$MAVEN_IMAGE"; then
  mkdir -p "$work/maven/pomless"
  # mvn fetches its own distribution from Maven Central (the ordinary client for that registry); run from an empty
  # directory so that no project's .mvn/jvm.config applies.
  (cd "$work/maven/pomless" && JAVA_HOME=$JDK_HOME mvn -B -q \
     org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
     -Dartifact="org.apache.maven:apache-maven:$MAVEN_VERSION:tar.gz:bin" -DoutputDirectory="$work/maven" \
     >"$work/mvn.log" 2>&1) || { cat "$work/mvn.log" >&2; exit 1; }
  tarball=$work/maven/apache-maven-$MAVEN_VERSION-bin.tar.gz
  [ -f "$tarball" ] || { echo "make-base-images: Maven $MAVEN_VERSION tarball not fetched" >&2; exit 1; }
  mkdir -p "$work/maven/ctx"
  tar -xzf "$tarball" -C "$work/maven/ctx"
  mv "$work/maven/ctx/apache-maven-$MAVEN_VERSION" "$work/maven/ctx/maven"
  cat > "$work/maven/ctx/Containerfile" <<EOF
FROM $JDK_IMAGE
ENV MAVEN_HOME=/usr/share/maven MAVEN_CONFIG=/root/.m2
COPY maven /usr/share/maven
RUN ln -s /usr/share/maven/bin/mvn /usr/bin/mvn && mvn -v
CMD ["mvn"]
EOF
  "$ENGINE" build "${NO_PULL[@]}" -q -t "$MAVEN_IMAGE" "$work/maven/ctx" >"$work/maven.log" 2>&1 || { cat "$work/maven.log" >&2; exit 1; }
  say "made $MAVEN_IMAGE"
else
  say "$MAVEN_IMAGE exists"
fi

"$ENGINE" images --format '{{.Repository}}:{{.Tag}} {{.Size}}' | grep -E 'debian:bookworm-slim|eclipse-temurin:25-jdk|maven:3.9-eclipse-temurin-25' >&2 || true
say "done"
