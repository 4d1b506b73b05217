#!/usr/bin/env bash
# Throughput through the composed stack itself: the AppHost (apphost/Cmux.AppHost, the same
# composition code and Cmux:* keys as the suite and the dashboard, e.g. Cmux__Router=caddy or
# Cmux__Profile=cmux in the environment) is started as a user starts it, one sandbox is created
# through the PVE fake as the dashboard's "create sandbox" command does, and wrk and the load
# engine measure one of its pages through the router (Host header) and through the edge chain
# (TLS from the run's CA, Access with the tunnel setup's service token), one after the other in one
# run. Prints req/s, p50 and p99 for each, engine/wrk and edge/router. The AppHost exports
# telemetry to its dashboard, as it does for a user: these figures are the stack as composed, not
# the bare router (eng/bench-router.sh and eng/compare.sh start their targets standalone to compare
# ours, Caddy and nginx side by side, which one composition cannot hold). Loopback only; the
# AppHost is stopped with SIGTERM at the end and every process under it checked gone.
# Usage: eng/bench-stack.sh [seconds per measurement (10)] [connections (32)] [path (/)]
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
duration=${1:-10}
connections=${2:-32}
path=${3:-/}
port=39378                      # the VS Code stand-in: a page every sandbox serves
domain=example.test             # the fake Cloudflare account's zone (fakes/Cmux.Fakes.Cloudflare/FakeAccount.cs)
out="$root/artifacts/bench-stack"
work="$out/run"
script=bench-stack

die() { echo "$script: $*" >&2; exit 1; }
for tool in wrk jq curl ss; do
  command -v "$tool" >/dev/null || die "'$tool' is missing (eng/bootstrap.sh installs it)"
done
[[ $duration =~ ^[1-9][0-9]*$ && $connections =~ ^[1-9][0-9]*$ ]] || die "usage: eng/bench-stack.sh [seconds] [connections] [path]"

free_port() { # a loopback port nothing listens on, from the ephemeral range's lower half
  local p
  while :; do
    p=$((20000 + RANDOM % 10000))
    ss -ltn "sport = :$p" | grep -q LISTEN || { echo "$p"; return; }
  done
}

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
echo "== building (Release)"
dotnet build apphost/Cmux.AppHost -c Release -nologo -clp:ErrorsOnly -v:q >/dev/null || die "the AppHost does not build"
dotnet build load/Cmux.Load -c Release -nologo -clp:ErrorsOnly -v:q >/dev/null || die "the load engine does not build"

rm -rf "$work" && mkdir -p "$work"
apphost_pid="" vmid="" pve=""
descendants() { # every process under the AppHost, and under the DCP it started detached (--monitor <AppHost pid>)
  ps -eo pid=,ppid=,args= | awk -v root="$apphost_pid" '
    { parent[$1] = $2; line[$1] = $0 }
    END {
      for (p in line) if (line[p] ~ ("--monitor " root "( |$)")) mark[p] = 1
      mark[root] = 1
      do { grew = 0; for (p in parent) if (!(p in mark) && (parent[p] in mark)) { mark[p] = 1; grew = 1 } } while (grew)
      for (p in mark) if (p != root && (p in line)) print p
    }'
}
cleanup() {
  [[ -n $vmid && -n $pve ]] && curl -s -o /dev/null -m 30 -X DELETE "$pve/_fake/containers/$vmid" || true
  [[ -n $apphost_pid ]] || return 0
  local under alive
  under=$(descendants | tr '\n' ' ')
  kill -TERM "$apphost_pid" 2>/dev/null || true
  wait "$apphost_pid" 2>/dev/null || true
  for _ in $(seq 1 150); do
    alive=$(for p in $under; do if kill -0 "$p" 2>/dev/null; then echo -n "$p "; fi; done)
    [[ -z $alive ]] && break
    sleep 0.2
  done
  if [[ -n $alive ]]; then
    echo "$script: still alive 30 s after SIGTERM: $alive" >&2
  else
    echo "== AppHost stopped; the $(wc -w <<<"$under") processes under it are gone"
  fi
}
trap cleanup EXIT

dashboard=$(free_port) otlp=$(free_port) resources=$(free_port)
echo "== AppHost (Cmux:Profile=${Cmux__Profile:-seed}, Cmux:Router=${Cmux__Router:-ours}), dashboard http://127.0.0.1:$dashboard"
Cmux__RunDirectory="$work/run" Cmux__SandboxDirectory="$work/sandboxes" \
  ASPNETCORE_URLS="http://127.0.0.1:$dashboard" ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL="http://127.0.0.1:$otlp" \
  ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL="http://127.0.0.1:$resources" ASPIRE_ALLOW_UNSECURED_TRANSPORT=true \
  DOTNET_ENVIRONMENT=Development ASPNETCORE_ENVIRONMENT=Development \
  dotnet apphost/Cmux.AppHost/bin/Release/net10.0/Cmux.AppHost.dll >"$work/apphost.log" 2>&1 &
apphost_pid=$!

endpoint() { jq -r --arg r "$1" --arg e "$2" '.[$r][$e] // empty' "$work/run/endpoints.json" 2>/dev/null || true; }
deadline=$((SECONDS + 240))
# The tunnel setup writes its output as it goes (nothing lost if it fails): wait for the token's secret.
token_written() { jq -e '(.service_token // .new_service_token).client_secret | strings' "$work/run/tunnel-setup.json" >/dev/null 2>&1; }
until token_written && [[ -n $(endpoint edge https) && -n $(endpoint router http) && -n $(endpoint pve http) ]]; do
  kill -0 "$apphost_pid" 2>/dev/null || die "the AppHost exited (log: $work/apphost.log)"
  ((SECONDS < deadline)) || die "the stack was not up within 240 s (log: $work/apphost.log)"
  sleep 0.5
done
hostport() { sed -E 's#^[a-z]+://##; s#/.*$##; s#^localhost:#127.0.0.1:#' <<<"$1"; }
pve="http://$(hostport "$(endpoint pve http)")"
router=$(hostport "$(endpoint router http)")
edge=$(hostport "$(endpoint edge https)")
read -r client_id client_secret <<<"$(jq -r '(.service_token // .new_service_token) | "\(.client_id) \(.client_secret)"' "$work/run/tunnel-setup.json")"
[[ $client_id != null && $client_secret != null ]] || die "the tunnel setup wrote no service token ($work/run/tunnel-setup.json)"

hostname=null
[[ ${Cmux__Profile:-seed} == cmux ]] && hostname="\"pvelxc-$(printf '%08x' $((RANDOM * 32768 + RANDOM)))\""
echo "== creating a sandbox through the PVE fake ($pve)"
created=$(curl -sf -m 300 -X POST -H 'Content-Type: application/json' -d "{\"hostname\":$hostname}" "$pve/_fake/containers") ||
  die "the PVE fake did not create a sandbox (log: $work/apphost.log)"
vmid=$(jq -r .vmid <<<"$created")
if [[ ${Cmux__Profile:-seed} == cmux ]]; then
  host="port-$port-$(jq -r .hostname <<<"$created").$domain"
else
  host="port-$port-vm-$vmid.$domain"
fi
ca="$work/run/ca/ca.pem"
access=(-H "CF-Access-Client-Id: $client_id" -H "CF-Access-Client-Secret: $client_secret")
deadline=$((SECONDS + 60))
# The edge re-reads the tunnel's ingress every second, Caddy its hosts file every 5 s: wait until both answer.
until curl -sf -o /dev/null -m 2 -H "Host: $host" "http://$router$path" &&
  curl -sf -o /dev/null -m 2 --cacert "$ca" --resolve "$host:${edge#*:}:127.0.0.1" "${access[@]}" "https://$host:${edge#*:}$path"; do
  ((SECONDS < deadline)) || die "sandbox $vmid did not answer through the router and the edge within 60 s"
  sleep 0.2
done
echo "== sandbox $vmid: $host, router $router, edge $edge; $connections connections, ${duration}s each, load $(cut -d' ' -f1-3 /proc/loadavg)"

to_ms() { awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'; }
run_wrk() { # url wrk-options... -> "rps p50 p99"
  local url=$1 text; shift
  text=$(WRK_CONNECT_TO=127.0.0.1 timeout $((duration + 30)) wrk -t2 -c"$connections" -d"${duration}s" --latency "$@" "$url")
  grep -q -E 'Non-2xx|Socket errors' <<<"$text" && echo "$script: wrk saw errors: $(grep -E 'Non-2xx|Socket errors' <<<"$text")" >&2
  echo "$(awk '/^Requests\/sec/ { print $2 }' <<<"$text") $(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$text")") $(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$text")")"
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
r[edge,wrk]=$(run_wrk "https://$host:${edge#*:}$path" -s "$root/eng/wrk-connect.lua" "${access[@]}")
# The token's secret goes to the engine in its environment, never on a command line others can read.
r[edge,engine]=$(CMUX_ACCESS_CLIENT_ID=$client_id CMUX_ACCESS_CLIENT_SECRET=$client_secret \
  run_engine edge "https://$host:${edge#*:}" --resolve 127.0.0.1 --ca "$ca")

ratio() { awk -v a="${1%% *}" -v b="${2%% *}" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.2f", a / b; else printf "n/a" }'; }
{
  echo "composition: $(jq -c . "$work/run/composition.json")"
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
