#!/usr/bin/env bash
# Throughput through the composed stack itself: the AppHost (apphost/Cmux.AppHost, the same
# composition code and Cmux:* keys as the suite and the dashboard, e.g. Cmux__Router=caddy or
# Cmux__Profile=cmux in the environment) is started as a user starts it (eng/lib/stack.sh), one
# sandbox is created through the PVE fake as the dashboard's "create sandbox" command does, and wrk
# and the load engine measure one of its pages through the router (Host header) and through the
# edge chain (TLS from the run's CA, Access with the tunnel setup's service token), one after the
# other in one run. Prints req/s, p50 and p99 for each, engine/wrk and edge/router. The AppHost
# exports telemetry to its dashboard, as it does for a user: these figures are the stack as a user
# gets it, DCP's proxy in front of every endpoint included (eng/bench-router.sh and eng/compare.sh
# compose theirs the same way, several stacks side by side, with Cmux:EndpointProxy=false and
# Cmux:Telemetry=false). A path under /_cmux/ needs Cmux__SandboxTestEndpoints=true.
# Loopback only; the AppHost is stopped with SIGTERM at the end and every process under it checked gone.
# Usage: eng/bench-stack.sh [seconds per measurement (10)] [connections (32)] [path (/)]
# Settings (environment): BENCH_STACK_VMID (4240), the sandbox's vmid.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
duration=${1:-10}
connections=${2:-32}
path=${3:-/}
port=39378                      # the VS Code stand-in: a page every sandbox serves
out="$root/artifacts/bench-stack"
work="$out/run"
script=bench-stack
source "$root/eng/lib/stack.sh"
source "$root/eng/lib/wrk.sh"

need_tools wrk jq curl ss
[[ $duration =~ ^[1-9][0-9]*$ && $connections =~ ^[1-9][0-9]*$ ]] || die "usage: eng/bench-stack.sh [seconds] [connections] [path]"

stacks_build load/Cmux.Load
rm -rf "$work" && mkdir -p "$work"
trap stacks_stop EXIT

stack_start stack "${BENCH_STACK_VMID:-4240}"
stacks_up stack
host=$(stack_host stack "$port")
router=${stack_router[stack]} edge=${stack_edge[stack]} ca=${stack_ca[stack]}
client_id=${stack_client_id[stack]} client_secret=${stack_client_secret[stack]}
echo "== $connections connections, ${duration}s each, load $(cut -d' ' -f1-3 /proc/loadavg)"

run_wrk() { # url wrk-options... -> "rps p50 p99 [errors]"
  local url=$1 text; shift
  text=$(WRK_CONNECT_TO=127.0.0.1 timeout $((duration + 30)) wrk -t2 -c"$connections" -d"${duration}s" --latency "$@" "$url")
  grep -q -E 'Non-2xx|Socket errors' <<<"$text" && echo "$script: wrk saw errors: $(grep -E 'Non-2xx|Socket errors' <<<"$text")" >&2
  wrk_numbers <<<"$text"
}
run_engine() { # name url engine-options... -> "rps p50 p99"
  local name=$1 url=$2; shift 2
  timeout $((duration + 60)) dotnet "load/Cmux.Load/bin/Release/net10.0/Cmux.Load.dll" run --scenario http --target "$url" --path "$path" \
    --model "closed:$connections" --connections "$connections" --duration "${duration}s" --warmup 1s --quiet --out "$out/$name" "$@" \
    >"$work/engine-$name.log" 2>&1 || true
  [[ -f $out/$name/report.json ]] || { echo "n/a n/a n/a"; return; }
  jq -r '"\((.iterations.rps * 10 | floor) / 10) \(.iterations.latency.p50Ms) \(.iterations.latency.p99Ms)\(if .iterations.failed > 0 then " (\(.iterations.failed) failed)" else "" end)"' "$out/$name/report.json"
}

run_wrk "http://$router$path" -H "Host: $host" >/dev/null  # warm-up: JIT, connection pools
declare -A r
r[router,wrk]=$(run_wrk "http://$router$path" -H "Host: $host")
r[router,engine]=$(run_engine router "http://$router" --host "$host")
# The token goes to wrk (eng/wrk-connect.lua) and the engine in their environment, never on a
# command line others can read.
r[edge,wrk]=$(CMUX_ACCESS_CLIENT_ID=$client_id CMUX_ACCESS_CLIENT_SECRET=$client_secret \
  run_wrk "https://$host:${edge#*:}$path" -s "$root/eng/wrk-connect.lua")
r[edge,engine]=$(CMUX_ACCESS_CLIENT_ID=$client_id CMUX_ACCESS_CLIENT_SECRET=$client_secret \
  run_engine edge "https://$host:${edge#*:}" --resolve 127.0.0.1 --ca "$ca")

ratio() { awk -v a="${1%% *}" -v b="${2%% *}" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else printf "n/a" }'; }
{
  echo "composition: $(jq -c . "${stack_run[stack]}/composition.json")"
  printf '%-8s %-7s %12s %10s %10s\n' target tool req/s p50_ms p99_ms
  for target in router edge; do
    for tool in wrk engine; do
      read -r rps p50 p99 rest <<<"${r[$target,$tool]}"
      printf '%-8s %-7s %12s %10s %10s %s\n' "$target" "$tool" "$rps" "$p50" "$p99" "${rest:-}"
    done
  done
  echo "engine/wrk: router $(ratio "${r[router,engine]}" "${r[router,wrk]}"), edge $(ratio "${r[edge,engine]}" "${r[edge,wrk]}")"
  echo "edge/router (wrk): $(ratio "${r[edge,wrk]}" "${r[router,wrk]}"), load $(cut -d' ' -f1-3 /proc/loadavg)"
} | tee "$out/summary.txt"
