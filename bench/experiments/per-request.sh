#!/bin/bash
# System calls and perf samples per request of one http-server.mjs variant
# under wrk (issue 13). Noise moves the CPU figures, not the counts.
#
#   bash per-request.sh strace NAME '{json}' close|keep-alive CONNECTIONS SECONDS
#   bash per-request.sh perf   NAME '{json}' close|keep-alive CONNECTIONS SECONDS
#
# strace: `strace -c -f` of the server, calls per request. perf: `perf record
# -e cpu-clock -F 1999 -g` of the server (node --perf-basic-prof), written to
# OUT/perf-NAME.data, then samples.mjs prints samples per 1000 requests.
set -euo pipefail
tool=$1 name=$2 opt=$3 mode=$4 c=$5 d=$6
here=$(cd "$(dirname "$0")" && pwd) out=${OUT:-/tmp/lc-http-experiments}
mkdir -p "$out"
h=(); [ "$mode" = close ] && h=(-H 'Connection: close')
nodeargs=(); [ "$tool" = perf ] && nodeargs=(--perf-basic-prof)
coproc SRV { taskset -c 1 node "${nodeargs[@]}" "$here/http-server.mjs" "$opt"; }
read -r hello <&"${SRV[0]}"
port=$(sed 's/.*"port":\([0-9]*\).*/\1/' <<<"$hello") pid=$(sed 's/.*"pid":\([0-9]*\).*/\1/' <<<"$hello")
taskset -c 0 wrk -t1 -c"$c" -d1s "${h[@]}" "http://127.0.0.1:$port/" >/dev/null # warm-up
if [ "$tool" = strace ]; then
  strace -c -f -p "$pid" -o "$out/strace-$name.txt" 2>/dev/null & tp=$!
else
  perf record -e cpu-clock -F 1999 -g -p "$pid" -o "$out/perf-$name.data" -- sleep $((d + 1)) 2>/dev/null & tp=$!
fi
sleep 0.5
taskset -c 0 wrk -t1 -c"$c" -d"${d}s" "${h[@]}" "http://127.0.0.1:$port/" >"$out/wrk-$name.txt"
if [ "$tool" = strace ]; then sleep 0.2; kill -INT $tp; fi
wait $tp || true
echo exit >&"${SRV[1]}"; wait "$SRV_PID" || true
reqs=$(grep -o '[0-9]* requests in' "$out/wrk-$name.txt" | cut -d' ' -f1)
echo "$name: $reqs requests $(grep -i 'socket errors' "$out/wrk-$name.txt" || true)"
if [ "$tool" = strace ]; then
  awk -v n="$reqs" '$NF ~ /^[a-z_0-9]+$/ && $4 ~ /^[0-9]+$/ && $4 >= n / 100 { printf "  %-12s %7.3f per request\n", $NF, $4 / n }' "$out/strace-$name.txt"
else
  node "$here/samples.mjs" "$out/perf-$name.data" "$reqs"
fi
