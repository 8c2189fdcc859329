#!/usr/bin/env bash
# One command for the whole-system benchmark (needs root):
#   sudo loadtest/bench.sh            # full run, under 10 minutes
#   sudo loadtest/bench.sh --quick    # the README demo, under 2 minutes
#   sudo loadtest/bench.sh --cleanup  # remove namespaces a killed run left behind
# Other options: --seconds S --rates 25k,50k,max --setups syncookies=0,syncookies=2,synproxy,portcullis
#                --clients N --out DIR --portcullis PATH (default proxy/target/portcullis-dist/bin/portcullis)
# It builds the loadtest jar when it is missing (--build forces it). Results: loadtest/target/bench-*/bench.{txt,json,html}
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/.." && pwd)
jar=$repo/loadtest/target/benchmarks.jar
build=0
args=()
for a in "$@"; do
  if [ "$a" = "--build" ]; then build=1; else args+=("$a"); fi
done
if [ $build = 1 ] || [ ! -f "$jar" ]; then
  (cd "$repo" && ./mvn25 -B -q -pl proxy,loadtest package -DskipTests)
fi
# The JDK the build uses (mvn25 finds one >= 25).
java=""
for d in "${JAVA_HOME:-}" /usr/lib/jvm/temurin-25* /usr/lib/jvm/*25* /usr/lib/jvm/*; do
  if [ -n "$d" ] && [ -x "$d/bin/java" ] && "$d/bin/java" -version 2>&1 | grep -qE 'version "(2[5-9]|[3-9][0-9])'; then
    java=$d/bin/java; break
  fi
done
[ -n "$java" ] || { echo "bench.sh: no JDK 25 or newer found (install temurin-25-jdk)" >&2; exit 2; }
commit=$(git -C "$repo" rev-parse --short HEAD 2>/dev/null || echo unknown)
if [ -n "$(git -C "$repo" status --porcelain 2>/dev/null | grep -v '^??' || true)" ]; then commit="$commit+dirty"; fi
# exec: the JVM receives Ctrl-C itself and its shutdown hook deletes the namespaces and stops what it started.
exec "$java" --enable-native-access=ALL-UNNAMED -XX:+UseSerialGC -cp "$jar" dev.portcullis.loadtest.Bench \
  --repo "$repo" --commit "$commit" "${args[@]}"
