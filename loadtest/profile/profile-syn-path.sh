#!/usr/bin/env bash
# Records the whole box with perf during one max-rate SYN flood on Portcullis (Java symbols through perf maps),
# then prints where the CPU went per SYN-ACK: see loadtest/README.md, "Where Portcullis's time goes".
#   sudo flock /tmp/pc-net.lock loadtest/profile/profile-syn-path.sh [OUT-DIR]
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd); repo=$(cd "$here/../.." && pwd)
out=${1:-/tmp/pc-profile}; mkdir -p "$out"
export JAVA_OPTS="-XX:+UnlockDiagnosticVMOptions -XX:+DumpPerfMapAtExit -XX:+PreserveFramePointer"
perf record -F 499 -a -g -o "$out/perf.data" > "$out/perf.log" 2>&1 &
perf_pid=$!
"$repo/loadtest/bench.sh" --setups portcullis --rates max --seconds 6 --loss 0 --no-impairment \
    --generator-count 200000 --out "$out/bench" > "$out/bench.txt" 2>&1 || true
kill -INT "$perf_pid"; wait "$perf_pid" || true
row=$(tr '\r' '\n' < "$out/bench.txt" | awk '$1 == "portcullis" && $2 == "max"')
offered=$(echo "$row" | awk '{gsub(",", "", $3); print $3}'); acks=$(echo "$row" | awk '{gsub(",", "", $4); print $4}')
pc=$(ls -t /tmp/perf-*.map | head -1 | sed 's/.*perf-\([0-9]*\).map/\1/') # the Portcullis JVM exits last of the flood's
# the flood window: the seconds in which the generator thread ran most
# (the last run of consecutive busy seconds: the generator comparison before it is separate), less its edges
read -r t0 t1 < <(perf script -i "$out/perf.data" -F comm,time 2>/dev/null | awk '$1 == "flood-sender" {n[int($2)]++}
    END {for (t in n) if (n[t] > 100) print t}' | sort -n | awk 'NR == 1 || $1 != p + 1 {a = $1} {p = $1} END {print a + 1, p}')
perf script -i "$out/perf.data" --time "$t0,$t1" -F comm,pid,tid,cpu,time,ip,sym,dso 2>/dev/null > "$out/window.txt"
echo "$row"
python3 "$here/syn-profile.py" "$out/window.txt" "$pc" "$((t1 - t0))" "$acks" "$offered" 2.004
