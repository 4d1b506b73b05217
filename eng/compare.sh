#!/usr/bin/env bash
# Compares the load engine (load/Cmux.Load) with wrk on the same targets, in one go on this
# machine: a sandbox directly, through our router, through real Caddy 2.6.2 (the seed's
# Caddyfile), and through the edge chain when one is configured. Starts everything it needs
# (sandbox host, one sandbox, router, Caddy in a private mount namespace) and stops it at the end.
# Prints one table: req/s, p50 and p99 for each tool, and the ratios engine/wrk.
#
# Settings (environment): COMPARE_CONNECTIONS (32), COMPARE_DURATION seconds (10),
# COMPARE_WARMUP seconds (2), COMPARE_ROUNDS (2, best of), COMPARE_SIZE response bytes (32),
# COMPARE_VMID (4242), COMPARE_PORT_BASE (18190: sandbox control, +1 router, +2 Caddy).
# The edge chain: COMPARE_EDGE_URL (e.g. https://port-39378-vm-200.example.test:8443),
# COMPARE_EDGE_RESOLVE (loopback address to connect to), COMPARE_EDGE_CA (PEM of the run's CA).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

connections=${COMPARE_CONNECTIONS:-32}
duration=${COMPARE_DURATION:-10}
warmup=${COMPARE_WARMUP:-2}
rounds=${COMPARE_ROUNDS:-2}
size=${COMPARE_SIZE:-32}
vmid=${COMPARE_VMID:-4242}
base=${COMPARE_PORT_BASE:-18190}
port=39378
control_port=$base router_port=$((base + 1)) caddy_port=$((base + 2))
sandbox_ip="127.1.$((vmid / 256)).$((vmid % 256))"
host="port-$port-vm-$vmid.example.test"
path="/_cmux/bytes?size=$size"
out="$root/artifacts/compare"
work="$root/artifacts/compare/run"  # logs, Caddyfile, sandbox data; kept for a look after the run
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

for tool in wrk caddy unshare jq curl; do
  command -v "$tool" >/dev/null || { echo "compare: $tool is missing (eng/bootstrap.sh installs it)" >&2; exit 1; }
done
for p in $control_port $router_port $caddy_port; do
  if ss -ltn "sport = :$p" | grep -q LISTEN; then
    echo "compare: port $p is taken; set COMPARE_PORT_BASE" >&2; exit 1
  fi
done

rm -rf "$work" && mkdir -p "$work"
pids=()
cleanup() {
  curl -s -o /dev/null -X DELETE "http://127.0.0.1:$control_port/sandboxes/$vmid" || true
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

wait_for() { # url seconds name
  local deadline=$((SECONDS + $2))
  until curl -s -o /dev/null "$1"; do
    if ((SECONDS > deadline)); then echo "compare: $3 did not answer at $1 within $2 s (log: $work/$3.log)" >&2; return 1; fi
    sleep 0.2
  done
}

echo "== building (Release)"
for project in load/Cmux.Load fakes/Cmux.Fakes.Sandbox services/Cmux.Router; do
  dotnet build "$project" -c Release -nologo -clp:ErrorsOnly -v:q >/dev/null || { echo "compare: $project does not build" >&2; exit 1; }
done
dll() { echo "$root/$1/bin/Release/net10.0/$(basename "$1").dll"; }

echo "== sandbox host on 127.0.0.1:$control_port, sandbox $vmid on $sandbox_ip"
ASPNETCORE_URLS="http://127.0.0.1:$control_port" dotnet "$(dll fakes/Cmux.Fakes.Sandbox)" \
  --Sandbox:DataDir="$work/sandboxes" >"$work/sandboxes.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$control_port/health" 60 sandboxes
curl -sf -o /dev/null -X PUT -H 'Content-Type: application/json' -d "{\"hostname\":\"cmux-$vmid\"}" "http://127.0.0.1:$control_port/sandboxes/$vmid"
curl -sf -o /dev/null -X POST "http://127.0.0.1:$control_port/sandboxes/$vmid/start"
hosts="$work/sandboxes/hosts"
curl -sf -o /dev/null "http://$sandbox_ip:$port$path" || { echo "compare: the sandbox does not serve $path on $sandbox_ip:$port" >&2; exit 1; }

echo "== router on 127.0.0.1:$router_port"
ASPNETCORE_URLS="http://127.0.0.1:$router_port" dotnet "$(dll services/Cmux.Router)" \
  --Router:HostsFile="$hosts" >"$work/router.log" 2>&1 &
pids+=($!)
router=yes
wait_for "http://127.0.0.1:$router_port/health" 60 router || router=no
if [[ $router == yes ]] && ! curl -sf -o /dev/null -H "Host: $host" "http://127.0.0.1:$router_port$path"; then
  echo "compare: the router does not proxy $host yet; its row is skipped" >&2
  router=no
fi

echo "== Caddy $(caddy version | cut -d' ' -f1) on 127.0.0.1:$caddy_port (hosts file $hosts on /etc/hosts)"
cat >"$work/Caddyfile" <<CADDY
{
	admin off
}
:$caddy_port {
	@service header_regexp match Host ^port-(\d+)-vm-(\d+)\.
	handle @service {
		reverse_proxy cmux-{re.match.2}.lan:{re.match.1}
	}
	handle {
		respond "Use format: port-{port}-vm-{vmid}.{domain}" 404
	}
}
CADDY
unshare -m sh -c "mount --bind '$hosts' /etc/hosts && exec caddy run --config '$work/Caddyfile' --adapter caddyfile" \
  >"$work/caddy.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:$caddy_port/" 30 caddy
curl -sf -o /dev/null -H "Host: $host" "http://127.0.0.1:$caddy_port$path" || { echo "compare: Caddy does not proxy to the sandbox (log: $work/caddy.log)" >&2; exit 1; }

# name url host-header engine-extra-args...
targets=("direct|http://$sandbox_ip:$port||")
[[ $router == yes ]] && targets+=("router|http://127.0.0.1:$router_port|$host|")
targets+=("caddy|http://127.0.0.1:$caddy_port|$host|")
if [[ -n ${COMPARE_EDGE_URL:-} ]]; then
  edge_args=""
  [[ -n ${COMPARE_EDGE_RESOLVE:-} ]] && edge_args+=" --resolve $COMPARE_EDGE_RESOLVE"
  [[ -n ${COMPARE_EDGE_CA:-} ]] && edge_args+=" --ca $COMPARE_EDGE_CA"
  targets+=("edge|$COMPARE_EDGE_URL||$edge_args")
fi

to_ms() { # wrk latency such as 812.00us, 1.34ms, 1.02s
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'
}

run_wrk() { # url host -> "rps p50 p99 errors"
  local url=$1 h=$2 args=() text
  [[ -n $h ]] && args=(-H "Host: $h")
  if [[ $url == https://* && -n ${COMPARE_EDGE_RESOLVE:-} ]]; then
    echo "n/a n/a n/a wrk-cannot-resolve"; return
  fi
  text=$(wrk -t2 -c"$connections" -d"${duration}s" --latency "${args[@]}" "$url$path")
  local rps p50 p99 errors
  rps=$(awk '/^Requests\/sec/ { print $2 }' <<<"$text")
  p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$text")")
  p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$text")")
  errors=$(awk '/Non-2xx|Socket errors/ { printf "%s ", $0 }' <<<"$text")
  echo "$rps $p50 $p99 ${errors:+errors}"
}

run_engine() { # name url host extra round -> "rps p50 p99 failed"
  local name=$1 url=$2 h=$3 extra=$4 dir="$out/$1/round$5" args=()
  [[ -n $h ]] && args=(--host "$h")
  # shellcheck disable=SC2086
  dotnet "$(dll load/Cmux.Load)" run --scenario http --size "$size" --target "$url" "${args[@]}" $extra \
    --model "closed:$connections" --connections "$connections" --duration "${duration}s" --warmup 1s \
    --quiet --out "$dir" >"$work/engine-$name.log" 2>&1 || true
  jq -r '"\(.iterations.rps) \(.iterations.latency.p50Ms) \(.iterations.latency.p99Ms) \(if .iterations.failed > 0 then "failed" else "" end)"' "$dir/report.json"
}

better() { awk -v a="$1" -v b="$2" 'BEGIN { exit !((a == "n/a" ? -1 : a) > (b == "n/a" ? -1 : b)) }'; }

mkdir -p "$out"
declare -A best
for entry in "${targets[@]}"; do
  IFS='|' read -r name url h extra <<<"$entry"
  echo "== $name: $url${h:+ (Host: $h)}, $connections connections, ${duration}s, best of $rounds"
  [[ $url == http://* ]] && wrk -t2 -c"$connections" -d"${warmup}s" ${h:+-H "Host: $h"} "$url$path" >/dev/null
  best[$name,wrk]="n/a n/a n/a" best[$name,engine]="n/a n/a n/a"
  for ((round = 1; round <= rounds; round++)); do
    # Alternate which tool goes first so neither always gets the quieter half of the machine.
    for tool in $( ((round % 2)) && echo "wrk engine" || echo "engine wrk"); do
      if [[ $tool == wrk ]]; then result=$(run_wrk "$url" "$h"); else result=$(run_engine "$name" "$url" "$h" "$extra" "$round"); fi
      echo "   round $round $tool: $result"
      better "${result%% *}" "${best[$name,$tool]%% *}" && best[$name,$tool]=$result
    done
  done
done

echo
printf '%-8s %12s %10s %10s   %12s %10s %10s   %8s %8s %8s\n' target "wrk req/s" "wrk p50" "wrk p99" "engine req/s" "eng p50" "eng p99" "rps e/w" "p50 e/w" "p99 e/w"
for entry in "${targets[@]}"; do
  IFS='|' read -r name _ <<<"$entry"
  read -r wr w50 w99 _ <<<"${best[$name,wrk]}"
  read -r er e50 e99 _ <<<"${best[$name,engine]}"
  awk -v n="$name" -v wr="$wr" -v w50="$w50" -v w99="$w99" -v er="$er" -v e50="$e50" -v e99="$e99" 'BEGIN {
    r = (wr + 0 > 0) ? sprintf("%.2f", er / wr) : "n/a"; a = (w50 + 0 > 0) ? sprintf("%.2f", e50 / w50) : "n/a"; b = (w99 + 0 > 0) ? sprintf("%.2f", e99 / w99) : "n/a"
    printf "%-8s %12s %10s %10s   %12.0f %10.3f %10.3f   %8s %8s %8s\n", n, wr, w50, w99, er, e50, e99, r, a, b }'
done
echo
echo "p50/p99 in ms. Reports of the engine's runs: $out/<target>/round<N>/report.html; logs: $work"
