# Portcullis container image: a Maven build stage, then a runtime on Debian slim with a jlinked Java 25 runtime.
#
# Build (anywhere with registry access):   docker build -t portcullis .
# Build here (no registry, podman):        deploy/container/make-base-images.sh && deploy/container/build-image.sh
#   build-image.sh passes --pull=never (the FROM images below, and eclipse-temurin:25-jdk under the Maven one,
#   are made locally under the same names),
#   --network host (the build stage downloads from Maven Central, apt-get fetches nftables) and mounts the host's
#   ~/.m2/repository read-only as a second local repository so an offline-able host build costs no downloads.
#
# Run (host network; the proxy reads and writes raw frames, so it must see the host's interface):
#   docker run -d --name portcullis --network host \
#     --cap-drop ALL --cap-add NET_RAW --cap-add NET_ADMIN --security-opt no-new-privileges \
#     --read-only --tmpfs /tmp \
#     -v /etc/portcullis/portcullis.conf:/etc/portcullis/portcullis.conf:ro portcullis
#
# Privilege (see deploy/README.md, "Privilege"): the process runs as uid 0 *inside the container* with every
# capability dropped except CAP_NET_RAW (AF_PACKET rings) and CAP_NET_ADMIN (the nftables ingress rule; with
# install-nft-rule = false, NET_RAW alone is enough). A non-root user would get nothing from --cap-add (Docker and Kubernetes give no ambient
# capabilities), and the alternative, file capabilities on the java binary, is defeated by no-new-privileges /
# allowPrivilegeEscalation=false and does not reach the nft child process. Root with two capabilities, no others,
# no-new-privileges and a read-only root filesystem was the smallest set that works for all of it.

ARG DEBIAN_IMAGE=docker.io/library/debian:bookworm-slim
ARG MAVEN_IMAGE=docker.io/library/maven:3.9-eclipse-temurin-25

# ---------------------------------------------------------------------------------------------- build stage ----
FROM ${MAVEN_IMAGE} AS build
# Extra Maven arguments from the builder (Maven 3.9 reads MAVEN_ARGS itself), e.g. build-image.sh's
# "-Dmaven.repo.local.tail=/host-m2": a read-only second local repository, consulted before the network.
ARG MAVEN_ARGS=""
WORKDIR /src
# The reactor needs every module's pom, even though only proxy is built.
COPY pom.xml ./
COPY .mvn .mvn
COPY proxy/pom.xml proxy/pom.xml
COPY loadtest/pom.xml loadtest/pom.xml
COPY proxy/src proxy/src
# The cache mount keeps downloaded artifacts between builds (BuildKit and buildah both honour it).
RUN --mount=type=cache,id=portcullis-m2,target=/root/.m2/repository \
    mvn -B -q -pl proxy -am package -DskipTests -Dmaven.test.skip=true \
 && test -x proxy/target/portcullis-dist/bin/portcullis \
 && ls proxy/target/portcullis-dist/lib/*.jar >/dev/null

# A Java runtime with only the modules the jars use (jdeps), plus those reached by reflection or service loading
# that jdeps cannot see: jdk.unsupported (Netty's Unsafe use), jdk.management (Micrometer's JVM and process
# meters), jdk.crypto.ec, jdk.net (socket options), jdk.zipfs. A CDS archive for the runtime's own classes speeds
# the start.
RUN set -eu; \
    cd proxy/target/portcullis-dist; \
    found=$(jdeps --ignore-missing-deps --multi-release 25 --print-module-deps -q --class-path 'lib/*' lib/*.jar 2>/dev/null || true); \
    echo "jdeps found: ${found:-nothing (using the fixed list only)}"; \
    mods="java.base,java.logging,java.management,java.naming,java.xml,jdk.unsupported,jdk.management,jdk.crypto.ec,jdk.net,jdk.zipfs${found:+,$found}"; \
    jlink --add-modules "$mods" --strip-java-debug-attributes --no-man-pages --no-header-files --compress=zip-6 \
          --generate-cds-archive --output /jre; \
    /jre/bin/java --list-modules

# -------------------------------------------------------------------------------------------- runtime stage ----
FROM ${DEBIAN_IMAGE}
# nftables: Portcullis installs (and removes) a netdev ingress drop rule for the VIP's protected ports.
RUN apt-get update \
 && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends nftables \
 && rm -rf /var/lib/apt/lists/* /var/cache/apt/*.bin /usr/share/doc/* /usr/share/man/*
COPY --from=build /jre /opt/java
COPY --from=build /src/proxy/target/portcullis-dist /opt/portcullis
COPY deploy/container/healthcheck /usr/local/bin/portcullis-healthcheck
COPY deploy/container/portcullis.conf /etc/portcullis/portcullis.conf
ENV JAVA_HOME=/opt/java \
    PATH=/opt/portcullis/bin:/opt/java/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin \
    PORTCULLIS_ADMIN_PORT=9090 \
    JAVA_OPTS="-XX:+ExitOnOutOfMemoryError" \
    LANG=C.UTF-8
LABEL org.opencontainers.image.title="Portcullis" \
      org.opencontainers.image.description="SYN-flood protection reverse proxy on raw sockets" \
      org.opencontainers.image.licenses="Apache-2.0"
# Admin HTTP: /metrics, /healthz, /readyz (host network: this documents the port, it publishes nothing).
EXPOSE 9090
# The runtime has no curl: the check is bash's /dev/tcp (bash is in every Debian image), no JVM start per probe.
HEALTHCHECK --interval=10s --timeout=3s --start-period=20s --retries=3 CMD ["/usr/local/bin/portcullis-healthcheck"]
# Java is PID 1 (bin/portcullis execs it): SIGTERM reaches the JVM, which drains connections for the grace period.
# JAVA_OPTS (read by bin/portcullis): a JVM out of memory exits, so that the engine restarts it, rather than
# limping on; set your own JAVA_OPTS (e.g. -Xmx) and keep this flag.
STOPSIGNAL SIGTERM
ENTRYPOINT ["/opt/portcullis/bin/portcullis", "--config", "/etc/portcullis/portcullis.conf"]
