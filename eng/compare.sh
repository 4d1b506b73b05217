#!/usr/bin/env bash
# Compares the load engine (load/Cmux.Load) with wrk on the same targets, in one go on this
# machine: a sandbox directly, through our router, through real Caddy 2.6.2 (the seed's
# Caddyfile), and through the full edge chain (edge -> router -> sandbox) twice: with the
# sandboxes behind Access as cmux runs them (both tools send the service token) and without
# Access. Every target is composed by the AppHost (CmuxStackBuilder, through eng/lib/stack.sh),
# up to three stacks started side by side, each with its own sandbox: "ours" (Cmux:Router=ours;
# the direct, router and edge targets), "caddy" (Cmux:Router=caddy) and "noaccess"
# (Cmux:Access=false; edge-noaccess, its edge before its own router). Each stack has
# Cmux:SandboxTestEndpoints=true (the /_cmux/bytes page), Cmux:EndpointProxy=false (each service
# listens itself, without DCP's proxy, a hop no deployment has) and Cmux:Telemetry=false: its
# projects export no OTLP to its dashboard, as Caddy exports none (eng/bench-router.sh's header has
# what the proxy and telemetry cost the router). Loopback only; every stack is stopped at the end.
# Each round runs every target and tool in turn, so the rounds interleave them. Prints one table:
# req/s, p50 and p99 for each tool, the ratios engine/wrk, and the edge's Access on/off ratio.
#
# Settings (environment): COMPARE_CONNECTIONS (32), COMPARE_DURATION seconds (10),
# COMPARE_WARMUP seconds (2), COMPARE_ROUNDS (2, best of), COMPARE_SIZE response bytes (32),
# COMPARE_VMID (4242: the ours stack's sandbox, +1 caddy's, +2 noaccess's), COMPARE_TARGETS (all:
# "direct router caddy edge edge-noaccess"; only the stacks they need start), COMPARE_HTTPCLIENT
# (0; 1: also run the engine through HttpClient, its client before the lean HTTP/1.1 one, in the
# same rounds, for a before/after in one run), COMPARE_TELEMETRY (0; 1: the stacks export OTLP to
# their dashboards, as for a user). The Cmux__* keys of the environment hold for every stack
# (e.g. Cmux__Profile=cmux), but for the router and Access, which each stack sets.
# COMPARE_PORT_BASE is gone: the AppHost allocates every port.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

connections=${COMPARE_CONNECTIONS:-32}
duration=${COMPARE_DURATION:-10}
warmup=${COMPARE_WARMUP:-2}
rounds=${COMPARE_ROUNDS:-2}
size=${COMPARE_SIZE:-32}
vmid=${COMPARE_VMID:-4242}
httpclient=${COMPARE_HTTPCLIENT:-0}
telemetry=${COMPARE_TELEMETRY:-0}
only=${COMPARE_TARGETS:-direct router caddy edge edge-noaccess}
port=39378
path="/_cmux/bytes?size=$size"
out="$root/artifacts/compare"
work="$root/artifacts/compare/run"  # logs, run folders, sandbox data; kept for a look after the run
script=compare
source "$root/eng/lib/stack.sh"
source "$root/eng/lib/wrk.sh"

[[ -z ${COMPARE_EDGE_ACCESS:-} ]] || die "COMPARE_EDGE_ACCESS is gone: one run measures the edge with Access (edge) and without (edge-noaccess)"
[[ -z ${COMPARE_PORT_BASE:-} ]] || die "COMPARE_PORT_BASE is gone: the AppHost allocates every port (eng/lib/stack.sh)"
[[ $httpclient == [01] ]] || die "COMPARE_HTTPCLIENT must be 0 or 1, not '$httpclient'"
[[ $telemetry == [01] ]] || die "COMPARE_TELEMETRY must be 0 or 1, not '$telemetry'"
for name in $only; do
  [[ $name == @(direct|router|caddy|edge|edge-noaccess) ]] || die "COMPARE_TARGETS: unknown target '$name'"
done
need_tools wrk caddy unshare jq curl timeout ss

rm -rf "$work" && mkdir -p "$work"
trap stacks_stop EXIT
stacks_build load/Cmux.Load

# Which stack serves each target.
declare -A stack_of=([direct]=ours [router]=ours [edge]=ours [caddy]=caddy [edge-noaccess]=noaccess)
common=(Cmux__SandboxTestEndpoints=true Cmux__EndpointProxy=false Cmux__Telemetry=$( ((telemetry)) && echo true || echo false))
needed=()
for name in ours caddy noaccess; do
  for target in $only; do [[ ${stack_of[$target]} == "$name" ]] && { needed+=("$name"); break; }; done
done
for name in "${needed[@]}"; do
  case $name in
    ours) stack_start ours "$vmid" Cmux__Router=ours Cmux__Access=true "${common[@]}" ;;
    caddy) stack_start caddy $((vmid + 1)) Cmux__Router=caddy Cmux__Access=true "${common[@]}" ;;
    noaccess) stack_start noaccess $((vmid + 2)) Cmux__Router=ours Cmux__Access=false "${common[@]}" ;;
  esac
done
stacks_up "${needed[@]}"

# Each target as both tools reach it. wrk cannot be told where to connect, so for the edge
# eng/wrk-connect.lua connects to 127.0.0.1 and keeps the name as SNI and Host (wrk checks no
# certificate); the engine connects with --resolve and verifies the edge's leaf against the run CA.
# The service token reaches both in their environment (access_env), never on a command line.
targets=($only)
describe() { # target -> url, via (for the log), wrk_opts, engine_opts, access_env
  local stack=${stack_of[$1]}
  host=$(stack_host "$stack" "$port")
  via="Host: $host" access_env=()
  case $1 in
    direct) url="http://${stack_ip[$stack]}:$port" via="" wrk_opts=() engine_opts=() ;;
    router | caddy) url="http://${stack_router[$stack]}" wrk_opts=(-H "Host: $host") engine_opts=(--host "$host") ;;
    edge)
      url="https://$host:${stack_edge[$stack]#*:}" via="connecting to 127.0.0.1, Access service token"
      wrk_opts=(-s "$root/eng/wrk-connect.lua")
      engine_opts=(--resolve 127.0.0.1 --ca "${stack_ca[$stack]}")
      access_env=(CMUX_ACCESS_CLIENT_ID="${stack_client_id[$stack]}" CMUX_ACCESS_CLIENT_SECRET="${stack_client_secret[$stack]}")
      ;;
    edge-noaccess)
      url="https://$host:${stack_edge[$stack]#*:}" via="connecting to 127.0.0.1, no Access"
      wrk_opts=(-s "$root/eng/wrk-connect.lua")
      engine_opts=(--resolve 127.0.0.1 --ca "${stack_ca[$stack]}")
      ;;
  esac
}

check() { # target: one request as the tools send it, so wrong wiring fails here rather than as a table of errors
  local stack=${stack_of[$1]}
  case $1 in
    direct) curl -sf -o /dev/null -m 5 "$url$path" ;;
    router | caddy) curl -sf -o /dev/null -m 5 -H "Host: $host" "$url$path" ;;
    *) stack_curl_access "$stack" | curl -sf -o /dev/null -m 5 --cacert "${stack_ca[$stack]}" --resolve "$host:${url##*:}:127.0.0.1" -K - "$url$path" ;;
  esac || die "$1 does not answer $url$path (logs: $work/${stack_of[$1]})"
}
for name in "${targets[@]}"; do describe "$name"; check "$name"; done

run_wrk() { # seconds -> "rps p50 p99 [errors]"; uses url and wrk_opts
  env "${access_env[@]}" WRK_CONNECT_TO=127.0.0.1 timeout $(($1 + 30)) wrk -t2 -c"$connections" -d"$1s" --latency "${wrk_opts[@]}" "$url$path" | wrk_numbers
}

run_engine() { # name round [engine options...] -> "rps p50 p99 [failed]"; uses url and engine_opts
  local name=$1 round=$2; shift 2
  local dir="$out/$name/round$round${1:+-httpclient}"
  env "${access_env[@]}" timeout $((duration + 60)) dotnet "$root/load/Cmux.Load/bin/Release/net10.0/Cmux.Load.dll" run --scenario http --size "$size" --target "$url" "${engine_opts[@]}" \
    --model "closed:$connections" --connections "$connections" --duration "${duration}s" --warmup 1s \
    --quiet --out "$dir" "$@" >"$work/engine-$name${1:+-httpclient}.log" 2>&1 || true
  [[ -f $dir/report.json ]] || { echo "n/a n/a n/a failed"; return; }
  jq -r '"\(.iterations.rps) \(.iterations.latency.p50Ms) \(.iterations.latency.p99Ms) \(if .iterations.failed > 0 then "failed" else "" end)"' "$dir/report.json"
}

better() { awk -v a="$1" -v b="$2" 'BEGIN { exit !((a == "n/a" ? -1 : a) > (b == "n/a" ? -1 : b)) }'; }

mkdir -p "$out"
declare -A best
tools=(wrk engine)
((httpclient)) && tools+=(httpclient)
for name in "${targets[@]}"; do
  for tool in "${tools[@]}"; do best[$name,$tool]="n/a n/a n/a no-result"; done
done
for ((round = 1; round <= rounds; round++)); do
  for name in "${targets[@]}"; do
    describe "$name"
    echo "== round $round/$rounds $name: $url${via:+ ($via)}, $connections connections, ${duration}s"
    ((round > 1)) || run_wrk "$warmup" >/dev/null
    # Alternate the order so no tool always gets the quieter part of the machine.
    order=("${tools[@]}")
    ((round % 2)) || order=($(printf '%s\n' "${tools[@]}" | tac))
    for tool in "${order[@]}"; do
      case $tool in
        wrk) result=$(run_wrk "$duration") ;;
        engine) result=$(run_engine "$name" "$round") ;;
        httpclient) result=$(run_engine "$name" "$round" --httpclient) ;;
      esac
      echo "   $tool: $result"
      better "${result%% *}" "${best[$name,$tool]%% *}" && best[$name,$tool]=$result
    done
  done
done

# ok: the engine meets Build point 1 of issue 17 on this target: at least 0.9x wrk's req/s, and
# p50 and p99 within 15% of wrk's.
echo
printf '%-13s %12s %10s %10s   %12s %10s %10s   %8s %8s %8s %4s' target "wrk req/s" "wrk p50" "wrk p99" "engine req/s" "eng p50" "eng p99" "rps e/w" "p50 e/w" "p99 e/w" ok
((httpclient)) && printf '   %12s %8s %8s %8s' "hc req/s" "rps h/w" "p50 h/w" "p99 h/w"
printf '  %s\n' notes
for name in "${targets[@]}"; do
  read -r wr w50 w99 wnote <<<"${best[$name,wrk]}"
  read -r er e50 e99 enote <<<"${best[$name,engine]}"
  hr=n/a h50=n/a h99=n/a hnote=
  ((httpclient)) && read -r hr h50 h99 hnote <<<"${best[$name,httpclient]}"
  notes="${wnote:+wrk: $wnote }${enote:+engine: $enote }${hnote:+httpclient: $hnote}"
  awk -v n="$name" -v wr="$wr" -v w50="$w50" -v w99="$w99" -v er="$er" -v e50="$e50" -v e99="$e99" \
    -v hc="$httpclient" -v hr="$hr" -v h50="$h50" -v h99="$h99" -v notes="$notes" '
    function ratio(a, b) { return (b + 0 > 0 && a != "n/a") ? sprintf("%.2f", a / b) : "n/a" }
    function near(r) { return r != "n/a" && r + 0 >= 0.85 && r + 0 <= 1.15 }
    BEGIN {
      r = ratio(er, wr); a = ratio(e50, w50); b = ratio(e99, w99)
      ok = (r != "n/a" && r + 0 >= 0.9 && near(a) && near(b)) ? "yes" : "no"
      printf "%-13s %12s %10s %10s   %12.0f %10.3f %10.3f   %8s %8s %8s %4s", n, wr, w50, w99, er, e50, e99, r, a, b, ok
      if (hc) printf "   %12.0f %8s %8s %8s", hr, ratio(hr, wr), ratio(h50, w50), ratio(h99, w99)
      printf "  %s\n", notes }'
done
echo
echo "p50/p99 in ms; e/w: engine/wrk$( ((httpclient)) && echo "; h/w: the engine through HttpClient (--httpclient)/wrk"). edge: https through the edge with Access (service token sent by both tools); edge-noaccess: the same chain without Access; wrk checks no certificate."
if [[ -n ${best[edge,wrk]:-} && -n ${best[edge-noaccess,wrk]:-} ]]; then
  # Build point 3 of issue 17: the edge chain with Access at 0.8x or more of the chain without.
  for tool in "${tools[@]}"; do
    awk -v t="$tool" -v on="${best[edge,$tool]%% *}" -v off="${best[edge-noaccess,$tool]%% *}" 'BEGIN {
      if (on == "n/a" || off == "n/a" || off + 0 == 0) { printf "edge Access on/off (%s): n/a\n", t; exit }
      r = on / off; printf "edge Access on/off (%s): %.0f / %.0f req/s = %.2f (%s)\n", t, on, off, r, (r >= 0.8 ? "ok: >= 0.8" : "below 0.8") }'
  done
fi
echo "Reports of the engine's runs: $out/<target>/round<N>/report.html; logs: $work"
