#!/usr/bin/env bash
# Portcullis quick start, as root: builds, makes three network namespaces (client, proxy, backend), starts nginx
# as the backend and Portcullis in front of it, floods the VIP with spoofed SYNs for a few seconds while a real
# client keeps connecting through it, prints what happened, and removes everything it made.
#   sudo ./demo.sh [--seconds N]      (RATE=pps sets the flood rate, default 100000)
set -euo pipefail
cd "$(dirname "$0")"
secs=5; rate=${RATE:-100000}
[ "${1:-}" = "--seconds" ] && secs=${2:?}
[ "$(id -u)" = 0 ] || { echo "demo: run as root (it creates network namespaces and raw sockets)" >&2; exit 1; }
for t in ip nginx curl; do command -v $t >/dev/null || { echo "demo: '$t' is missing (apt-get install iproute2 nginx curl)" >&2; exit 1; }; done

p=pcdemo$$ ; C=${p}c; P=${p}p; B=${p}b; work=$(mktemp -d /tmp/portcullis-demo.XXXX); chmod 755 "$work"
cleanup() {
  set +e
  [ -f "$work/portcullis.pid" ] && kill "$(cat "$work/portcullis.pid")" 2>/dev/null && sleep 1
  [ -f "$work/nginx.pid" ] && kill "$(cat "$work/nginx.pid")" 2>/dev/null
  for n in $C $P $B; do ip netns del $n 2>/dev/null; done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

echo "== build"
./mvn25 -B -q -DskipTests package -pl proxy,loadtest -am 2>&1 | grep -vE "^WARNING|sun.misc.Unsafe|^\s*$" || true

echo "== namespaces: client $C (10.99.1.2) -- proxy $P (owns VIP 10.99.1.100) -- backend $B (10.99.2.2)"
for n in $C $P $B; do ip netns add $n; ip -n $n link set lo up; done
ip link add ${p}c0 netns $C type veth peer name ${p}p0 netns $P
ip link add ${p}p1 netns $P type veth peer name ${p}b0 netns $B
ip -n $C addr add 10.99.1.2/24 dev ${p}c0; ip -n $C addr add fd99:1::2/64 dev ${p}c0 nodad
ip -n $P addr add 10.99.1.1/24 dev ${p}p0; ip -n $P addr add 10.99.2.1/24 dev ${p}p1
ip -n $B addr add 10.99.2.2/24 dev ${p}b0
ip -n $C link set ${p}c0 up; ip -n $P link set ${p}p0 up; ip -n $P link set ${p}p1 up; ip -n $B link set ${p}b0 up
ip netns exec $P sysctl -qw net.ipv4.ip_forward=1   # as Docker/Kubernetes hosts have it

echo "== backend: nginx on 10.99.2.2:8080"
mkdir -p "$work/www"; echo "hello from the backend, through Portcullis" > "$work/www/index.html"
cat > "$work/nginx.conf" <<EON
daemon on; worker_processes 1; pid $work/nginx.pid; error_log $work/nginx.err;
events { worker_connections 4096; }
http { access_log off; server { listen 10.99.2.2:8080 backlog=4096; root $work/www; } }
EON
ip netns exec $B nginx -c "$work/nginx.conf"

echo "== Portcullis on ${p}p0, VIP 10.99.1.100 and fd99:1::100, port 80 -> 10.99.2.2:8080"
cat > "$work/portcullis.conf" <<EOC
portcullis {
  interface = "${p}p0"
  vips = ["10.99.1.100", "fd99:1::100"]
  listeners = [ { port = 80, pool = web } ]
  pools { web { backends = ["10.99.2.2:8080"] } }
  admin { port = 9090 }
}
EOC
ip netns exec $P proxy/target/portcullis-dist/bin/portcullis --config "$work/portcullis.conf" > "$work/portcullis.log" 2>&1 &
echo $! > "$work/portcullis.pid"
for _ in $(seq 1 50); do ip netns exec $P curl -sf -o /dev/null localhost:9090/readyz && break; sleep 0.2; done
ip netns exec $P curl -sf -o /dev/null localhost:9090/readyz || { echo "demo: Portcullis did not become ready:"; cat "$work/portcullis.log"; exit 1; }

echo "== curl through the VIP"
ip netns exec $C curl -sS -m 3 http://10.99.1.100/
ip netns exec $C curl -sS -m 3 -g "http://[fd99:1::100]/"

metric() { ip netns exec $P curl -s localhost:9090/metrics | awk -v m="$1" '$1 ~ "^"m"({|$)" {s+=$2} END {printf "%d", s}'; }
syn0=$(metric portcullis_syns_received_total); ck0=$(metric portcullis_cookies_sent_total)

echo "== ${secs}s SYN flood from random spoofed sources (the project's generator), a client connecting throughout"
mac=$(ip netns exec $P cat /sys/class/net/${p}p0/address)
ip netns exec $C "${JAVA:-$(ls -d /usr/lib/jvm/temurin-25*/bin/java 2>/dev/null | head -1)}" --enable-native-access=ALL-UNNAMED \
  -cp loadtest/target/benchmarks.jar dev.portcullis.loadtest.flood.Flood --dev ${p}c0 --dst-mac "$mac" \
  --dst 10.99.1.100 --dport 80 --rate "$rate" --seconds "$secs" --src random:100.64.0.0/10 > "$work/flood.out" 2> "$work/flood.err" &
flood=$!
ok=0; fail=0; : > "$work/connect.txt"
end=$((SECONDS + secs))
while [ $SECONDS -lt $end ]; do
  if ip netns exec $C curl -s -o /dev/null -m 2 -w "%{time_connect}\n" http://10.99.1.100/ >> "$work/connect.txt"; then ok=$((ok+1)); else fail=$((fail+1)); fi
done
wait $flood || true
syn1=$(metric portcullis_syns_received_total); ck1=$(metric portcullis_cookies_sent_total)
p99=$(sort -n "$work/connect.txt" | awk '{a[NR]=$1} END {if (NR) printf "%.1f ms", a[int((NR-1)*0.99)+1]*1000}')
echo "flood:      $(grep -o 'sent .*' "$work/flood.err" || cat "$work/flood.err")"
echo "Portcullis: $((syn1 - syn0)) SYNs received, $((ck1 - ck0)) cookie SYN-ACKs sent, no state kept for them"
echo "client:     $ok of $((ok + fail)) requests succeeded during the flood, connect p99 $p99"
ip netns exec $C curl -sS -m 3 http://10.99.1.100/
echo "== done; cleaning up"
