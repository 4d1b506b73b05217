#!/usr/bin/env bash
# Compares the load engine (load/Cmux.Load) with wrk on the same targets, in one go on this
# machine: a sandbox directly, through our router, through real Caddy 2.6.2 (the seed's
# Caddyfile), and through the full edge chain (edge -> router -> sandbox) twice: with the
# sandboxes behind Access as the AppHost composes them (both tools send the service token) and
# without Access. Starts everything it needs standalone (eng/lib/targets.sh: sandbox host, one
# sandbox, router, Caddy in a private mount namespace, per edge the Cloudflare API fake, the
# tunnel setup against it and the edge, one run CA), loopback only, and stops it at the end.
# Each round runs every target and tool in turn, so the rounds interleave them. Prints one table:
# req/s, p50 and p99 for each tool, the ratios engine/wrk, and the edge's Access on/off ratio.
#
# Settings (environment): COMPARE_CONNECTIONS (32), COMPARE_DURATION seconds (10),
# COMPARE_WARMUP seconds (2), COMPARE_ROUNDS (2, best of), COMPARE_SIZE response bytes (32),
# COMPARE_VMID (4242), COMPARE_PORT_BASE (18190: sandbox control, +1 router, +2 Caddy,
# +3..+6 the edge with Access: API fake, https, http, management; +7..+10 the edge without;
# +11 router management), COMPARE_TARGETS (all: "direct router caddy edge edge-noaccess"),
# COMPARE_HTTPCLIENT (0; 1: also run the engine through HttpClient, its client before the lean
# HTTP/1.1 one, in the same rounds, for a before/after in one run).
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
httpclient=${COMPARE_HTTPCLIENT:-0}
only=${COMPARE_TARGETS:-direct router caddy edge edge-noaccess}
port=39378
domain=example.test
host="port-$port-vm-$vmid.$domain"
path="/_cmux/bytes?size=$size"
out="$root/artifacts/compare"
work="$root/artifacts/compare/run"  # logs, CA, sandbox data; kept for a look after the run
script=compare
source "$root/eng/lib/targets.sh"

[[ -z ${COMPARE_EDGE_ACCESS:-} ]] || die "COMPARE_EDGE_ACCESS is gone: one run measures the edge with Access (edge) and without (edge-noaccess)"
[[ $httpclient == [01] ]] || die "COMPARE_HTTPCLIENT must be 0 or 1, not '$httpclient'"
for name in $only; do
  [[ $name == @(direct|router|caddy|edge|edge-noaccess) ]] || die "COMPARE_TARGETS: unknown target '$name'"
done
need_tools wrk caddy unshare jq curl timeout
# sandbox control, router, Caddy, then per edge: API fake, https, http, management; router management.
need_free_ports $(seq "$base" $((base + 11)))

rm -rf "$work" && mkdir -p "$work"
trap targets_cleanup EXIT

build_targets
start_sandbox "$base"
wait_for sandboxes 10 "http://$sandbox_ip:$port$path"
start_router $((base + 1)) $((base + 11))
wait_for router 10 -H "Host: $host" "http://127.0.0.1:$router_port$path"

caddy_port=$((base + 2))
echo "== Caddy $(caddy version | cut -d' ' -f1) on 127.0.0.1:$caddy_port (hosts file $hosts on /etc/hosts)"
start caddy env CADDY_PORT="$caddy_port" unshare -m sh -c \
  "mount --bind '$hosts' /etc/hosts && exec caddy run --config '$root/services/Cmux.Router/Caddy/seed.Caddyfile' --adapter caddyfile"
wait_for caddy 30 -H "Host: $host" "http://127.0.0.1:$caddy_port$path"

# Two edge chains on the same router: one with the sandboxes behind Access, as the AppHost
# composes it (both tools send the service token), and one without, so one run gives the ratio.
edge_port=$((base + 4)) noaccess_port=$((base + 8))
if [[ " $only " == *" edge "* ]]; then start_edge_chain edge $((base + 3)) "$edge_port" $((base + 5)) $((base + 6)) 1; fi
if [[ " $only " == *" edge-noaccess "* ]]; then start_edge_chain edge-noaccess $((base + 7)) "$noaccess_port" $((base + 9)) $((base + 10)) 0; fi

# Each target as both tools reach it. wrk cannot be told where to connect, so for the edge
# eng/wrk-connect.lua connects to 127.0.0.1 and keeps the name as SNI and Host (wrk checks no
# certificate); the engine connects with --resolve and verifies the edge's leaf against the run CA.
targets=($only)
describe() { # target -> url, via (for the log), wrk_opts, engine_opts
  via="Host: $host"
  case $1 in
    direct) url="http://$sandbox_ip:$port" via="" wrk_opts=() engine_opts=() ;;
    router) url="http://127.0.0.1:$router_port" wrk_opts=(-H "Host: $host") engine_opts=(--host "$host") ;;
    caddy) url="http://127.0.0.1:$caddy_port" wrk_opts=(-H "Host: $host") engine_opts=(--host "$host") ;;
    edge)
      url="https://$host:$edge_port" via="connecting to 127.0.0.1, Access service token"
      wrk_opts=(-s "$root/eng/wrk-connect.lua" "${edge_headers[@]}")
      engine_opts=(--resolve 127.0.0.1 --ca "$ca/ca.pem" --access-client-id "$client_id" --access-client-secret "$client_secret")
      ;;
    edge-noaccess)
      url="https://$host:$noaccess_port" via="connecting to 127.0.0.1, no Access"
      wrk_opts=(-s "$root/eng/wrk-connect.lua")
      engine_opts=(--resolve 127.0.0.1 --ca "$ca/ca.pem")
      ;;
  esac
}

to_ms() { # wrk latency such as 812.00us, 1.34ms, 1.02s
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n = n; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'
}

run_wrk() { # seconds -> "rps p50 p99 [errors]"; uses url and wrk_opts
  local text rps p50 p99 errors
  text=$(WRK_CONNECT_TO=127.0.0.1 timeout $(($1 + 30)) wrk -t2 -c"$connections" -d"$1s" --latency "${wrk_opts[@]}" "$url$path")
  rps=$(awk '/^Requests\/sec/ { print $2 }' <<<"$text")
  p50=$(to_ms "$(awk '$1 == "50%" { print $2 }' <<<"$text")")
  p99=$(to_ms "$(awk '$1 == "99%" { print $2 }' <<<"$text")")
  errors=$(awk '/Non-2xx|Socket errors/ { printf "%s ", $0 }' <<<"$text")
  echo "$rps $p50 $p99 ${errors:+errors}"
}

run_engine() { # name round [engine options...] -> "rps p50 p99 [failed]"; uses url and engine_opts
  local name=$1 round=$2; shift 2
  local dir="$out/$name/round$round${1:+-httpclient}"
  timeout $((duration + 60)) dotnet "$(dll load/Cmux.Load)" run --scenario http --size "$size" --target "$url" "${engine_opts[@]}" \
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
