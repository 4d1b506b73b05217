#!/usr/bin/env bash
# Compares the load engine (load/Cmux.Load) with wrk on the same targets, in one go on this
# machine: a sandbox directly, through our router, through real Caddy 2.6.2 (the seed's
# Caddyfile), and through the full edge chain (edge -> router -> sandbox). Starts everything it
# needs standalone (sandbox host, one sandbox, router, Caddy in a private mount namespace, the
# Cloudflare API fake, the tunnel provisioning against it, the edge with a run CA), loopback
# only, and stops it at the end. Prints one table: req/s, p50 and p99 for each tool, and the
# ratios engine/wrk.
#
# Settings (environment): COMPARE_CONNECTIONS (32), COMPARE_DURATION seconds (10),
# COMPARE_WARMUP seconds (2), COMPARE_ROUNDS (2, best of), COMPARE_SIZE response bytes (32),
# COMPARE_VMID (4242), COMPARE_PORT_BASE (18190: sandbox control, +1 router, +2 Caddy,
# +3 Cloudflare API, +4 edge https, +5 edge http), COMPARE_EDGE_ACCESS (1: the edge puts the
# sandboxes behind Access, as the AppHost does, and both tools send the service token; 0: off),
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
access=${COMPARE_EDGE_ACCESS:-1}
httpclient=${COMPARE_HTTPCLIENT:-0}
port=39378
control_port=$base router_port=$((base + 1)) caddy_port=$((base + 2))
api_port=$((base + 3)) edge_port=$((base + 4)) edge_http_port=$((base + 5))
# Health answers only on a management port (never where traffic is served), as the AppHost composes it.
router_management_port=$((base + 6)) edge_management_port=$((base + 7))
sandbox_ip="127.1.$((vmid / 256)).$((vmid % 256))"
domain=example.test
host="port-$port-vm-$vmid.$domain"
path="/_cmux/bytes?size=$size"
out="$root/artifacts/compare"
work="$root/artifacts/compare/run"  # logs, CA, sandbox data; kept for a look after the run
ca="$work/ca"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1

die() { echo "compare: $*" >&2; exit 1; }

[[ $access == [01] ]] || die "COMPARE_EDGE_ACCESS must be 0 or 1, not '$access'"
[[ $httpclient == [01] ]] || die "COMPARE_HTTPCLIENT must be 0 or 1, not '$httpclient'"
for tool in wrk caddy unshare jq curl timeout; do
  command -v "$tool" >/dev/null || die "$tool is missing (eng/bootstrap.sh installs it)"
done
for p in $control_port $router_port $caddy_port $api_port $edge_port $edge_http_port; do
  ! ss -ltn "sport = :$p" | grep -q LISTEN || die "port $p is taken; set COMPARE_PORT_BASE"
done

rm -rf "$work" && mkdir -p "$work"
pids=()
cleanup() {
  curl -s -o /dev/null -m 5 -X DELETE "http://127.0.0.1:$control_port/sandboxes/$vmid" || true
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}
trap cleanup EXIT

dll() { echo "$root/$1/bin/Release/net10.0/$(basename "$1").dll"; }

start() { # name command... : runs in the background, logs to $work/name.log, stopped by cleanup
  local name=$1; shift
  "$@" >"$work/$name.log" 2>&1 &
  pids+=($!)
}

wait_for() { # name seconds curl-args... : until curl succeeds (-f: a 2xx answer), or fail
  local name=$1 deadline=$((SECONDS + $2)); shift 2
  until curl -sf -o /dev/null -m 2 "$@"; do
    ((SECONDS < deadline)) || die "$name did not answer ($*) within the time allowed (log: $work/$name.log)"
    sleep 0.2
  done
}

echo "== building (Release)"
for project in load/Cmux.Load fakes/Cmux.Fakes.Sandbox services/Cmux.Router \
  fakes/Cmux.Fakes.Cloudflare services/Cmux.Provisioning fakes/Cmux.Fakes.Edge; do
  dotnet build "$project" -c Release -nologo -clp:ErrorsOnly -v:q >/dev/null || die "$project does not build"
done

echo "== sandbox host on 127.0.0.1:$control_port, sandbox $vmid on $sandbox_ip"
start sandboxes env ASPNETCORE_URLS="http://127.0.0.1:$control_port" dotnet "$(dll fakes/Cmux.Fakes.Sandbox)" \
  --Sandbox:DataDir="$work/sandboxes"
wait_for sandboxes 60 "http://127.0.0.1:$control_port/health"
curl -sf -o /dev/null -X PUT -H 'Content-Type: application/json' -d "{\"hostname\":\"cmux-$vmid\"}" "http://127.0.0.1:$control_port/sandboxes/$vmid"
curl -sf -o /dev/null -X POST "http://127.0.0.1:$control_port/sandboxes/$vmid/start"
hosts="$work/sandboxes/hosts"
wait_for sandboxes 10 "http://$sandbox_ip:$port$path"

echo "== router on 127.0.0.1:$router_port"
start router env ASPNETCORE_URLS="http://127.0.0.1:$router_port;http://127.0.0.1:$router_management_port" \
  Management__Port="$router_management_port" dotnet "$(dll services/Cmux.Router)" \
  --Router:HostsFile="$hosts" --Router:HostsFileOnly=true
wait_for router 60 "http://127.0.0.1:$router_management_port/health"
wait_for router 10 -H "Host: $host" "http://127.0.0.1:$router_port$path"

echo "== Caddy $(caddy version | cut -d' ' -f1) on 127.0.0.1:$caddy_port (hosts file $hosts on /etc/hosts)"
start caddy env CADDY_PORT="$caddy_port" unshare -m sh -c \
  "mount --bind '$hosts' /etc/hosts && exec caddy run --config '$root/services/Cmux.Router/Caddy/seed.Caddyfile' --adapter caddyfile"
wait_for caddy 30 -H "Host: $host" "http://127.0.0.1:$caddy_port$path"

# The edge chain, wired as apphost/Cmux.AppHost wires it, without Aspire: the API fake, the
# tunnel setup against it (ingress *.domain -> our router, proxied wildcard CNAME, Access), then
# the edge reading that configuration and serving a leaf from the run's CA.
api="http://127.0.0.1:$api_port/client/v4"
# This run's fake account, given to the API fake, the tunnel setup and the edge alike.
api_token=compare-token account=00000000000000000000000000c0ffee zone=0000000000000000000000000000c0de
echo "== Cloudflare API fake on 127.0.0.1:$api_port"
start cloudflare env ASPNETCORE_URLS="http://127.0.0.1:$api_port" dotnet "$(dll fakes/Cmux.Fakes.Cloudflare)" \
  --Cloudflare:Tokens:0="$api_token" --Cloudflare:AccountId="$account" --Cloudflare:ZoneId="$zone" --Cloudflare:ZoneName="$domain"
wait_for cloudflare 60 "http://127.0.0.1:$api_port/health"

echo "== tunnel setup (router origin http://127.0.0.1:$router_port, Access $( ((access)) && echo on || echo off))"
access_headers=()
timeout 120 dotnet "$(dll services/Cmux.Provisioning)" \
  --Provisioning:ApiBaseUrl="$api" --Provisioning:ApiToken="$api_token" --Provisioning:AccountId="$account" \
  --Provisioning:ZoneId="$zone" --Provisioning:Domain="$domain" \
  --Provisioning:RouterOrigin="http://127.0.0.1:$router_port" \
  --Provisioning:Access="$( ((access)) && echo true || echo false)" \
  --Provisioning:OutputFile="$work/tunnel-setup.json" >"$work/tunnel-setup.log" 2>&1 ||
  die "the tunnel setup failed (log: $work/tunnel-setup.log)"
if ((access)); then
  token=$(jq -r '.service_token | "\(.client_id) \(.client_secret)"' "$work/tunnel-setup.json")
  read -r client_id client_secret <<<"$token"
  [[ $client_id != null && $client_secret != null ]] || die "the tunnel setup wrote no service token ($work/tunnel-setup.json)"
  access_headers=(-H "CF-Access-Client-Id: $client_id" -H "CF-Access-Client-Secret: $client_secret")
fi

echo "== edge on 127.0.0.1:$edge_port (https), CA $ca"
start edge env ASPNETCORE_URLS="https://127.0.0.1:$edge_port;http://127.0.0.1:$edge_http_port;http://127.0.0.1:$edge_management_port" \
  Management__Port="$edge_management_port" dotnet "$(dll fakes/Cmux.Fakes.Edge)" --Tls:CaDirectory="$ca" --Edge:CloudflareApi="$api" \
  --Edge:Domain="$domain" --Edge:ApiToken="$api_token" --Edge:AccountId="$account" --Edge:ZoneId="$zone" \
  --Edge:HttpsPort="$edge_port"
wait_for edge 60 "http://127.0.0.1:$edge_management_port/health"
# It re-reads the tunnel's ingress every second: wait until it routes the sandbox's name.
wait_for edge 30 --cacert "$ca/ca.pem" --resolve "$host:$edge_port:127.0.0.1" "${access_headers[@]}" "https://$host:$edge_port$path"

# Each target as both tools reach it. wrk cannot be told where to connect, so for the edge
# eng/wrk-connect.lua connects to 127.0.0.1 and keeps the name as SNI and Host (wrk checks no
# certificate); the engine connects with --resolve and verifies the edge's leaf against the run CA.
targets=(direct router caddy edge)
describe() { # target -> url, via (for the log), wrk_opts, engine_opts
  via="Host: $host"
  case $1 in
    direct) url="http://$sandbox_ip:$port" via="" wrk_opts=() engine_opts=() ;;
    router) url="http://127.0.0.1:$router_port" wrk_opts=(-H "Host: $host") engine_opts=(--host "$host") ;;
    caddy) url="http://127.0.0.1:$caddy_port" wrk_opts=(-H "Host: $host") engine_opts=(--host "$host") ;;
    edge)
      url="https://$host:$edge_port" via="connecting to 127.0.0.1${access_headers[*]:+, Access service token}"
      wrk_opts=(-s "$root/eng/wrk-connect.lua" "${access_headers[@]}")
      engine_opts=(--resolve 127.0.0.1 --ca "$ca/ca.pem")
      for ((i = 1; i < ${#access_headers[@]}; i += 2)); do engine_opts+=(--header "${access_headers[i]}"); done
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
  describe "$name"
  echo "== $name: $url${via:+ ($via)}, $connections connections, ${duration}s, best of $rounds"
  run_wrk "$warmup" >/dev/null
  for tool in "${tools[@]}"; do best[$name,$tool]="n/a n/a n/a no-result"; done
  for ((round = 1; round <= rounds; round++)); do
    # Alternate the order so no tool always gets the quieter part of the machine.
    order=("${tools[@]}")
    ((round % 2)) || order=($(printf '%s\n' "${tools[@]}" | tac))
    for tool in "${order[@]}"; do
      case $tool in
        wrk) result=$(run_wrk "$duration") ;;
        engine) result=$(run_engine "$name" "$round") ;;
        httpclient) result=$(run_engine "$name" "$round" --httpclient) ;;
      esac
      echo "   round $round $tool: $result"
      better "${result%% *}" "${best[$name,$tool]%% *}" && best[$name,$tool]=$result
    done
  done
done

# ok: the engine meets Build point 1 of issue 17 on this target: at least 0.9x wrk's req/s, and
# p50 and p99 within 15% of wrk's.
echo
printf '%-8s %12s %10s %10s   %12s %10s %10s   %8s %8s %8s %4s' target "wrk req/s" "wrk p50" "wrk p99" "engine req/s" "eng p50" "eng p99" "rps e/w" "p50 e/w" "p99 e/w" ok
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
      printf "%-8s %12s %10s %10s   %12.0f %10.3f %10.3f   %8s %8s %8s %4s", n, wr, w50, w99, er, e50, e99, r, a, b, ok
      if (hc) printf "   %12.0f %8s %8s %8s", hr, ratio(hr, wr), ratio(h50, w50), ratio(h99, w99)
      printf "  %s\n", notes }'
done
echo
echo "p50/p99 in ms; e/w: engine/wrk$( ((httpclient)) && echo "; h/w: the engine through HttpClient (--httpclient)/wrk"). edge: https through the edge (Access $( ((access)) && echo "on, service token sent by both tools" || echo off)); wrk checks no certificate."
echo "Reports of the engine's runs: $out/<target>/round<N>/report.html; logs: $work"
