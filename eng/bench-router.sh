#!/usr/bin/env bash
# Router benchmark: wrk against one sandbox port directly, through our router (Release), through
# Caddy 2.6.2 (the seed's Caddyfile) and through nginx (Debian's, one worker, keep-alive to the
# upstream, a fixed upstream: no routing, so the cost of proxying alone), one after the other in
# one run, with the same connections and duration. Prints req/s, p50 and p99 for each and the
# ratios router/Caddy, router/nginx and router/direct. Loopback only; everything it starts is
# stopped on exit.
# Usage: eng/bench-router.sh [seconds per target (10)] [connections (64)] [path (/_cmux/bytes?size=128)]
# A/B of a router setting in the same run: BENCH_ROUTER_B="NAME=value ..." starts a second router
# with those environment variables added (e.g. Kestrel__... or Logging__LogLevel__...), and
# BENCH_AB_ROUNDS (3) rounds alternate the two (A then B, then B then A, ...) and print B/A per
# round and for the best of each. BENCH_ROUTER_A_DLL / BENCH_ROUTER_B_DLL run another build of the
# router as A or B (e.g. a copy of the build before a change), which also starts the A/B.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
duration=${1:-10}
connections=${2:-64}
path=${3:-/_cmux/bytes?size=128}
vmid=4243                       # 127.1.16.147: away from the ids other tests use
port=39375
control_port=18640
caddy_port=18641
router_port=18642
nginx_port=18643
router_b_port=18644
router_b_env=${BENCH_ROUTER_B:-}
router_dll=services/Cmux.Router/bin/Release/net10.0/Cmux.Router.dll
router_a_dll=${BENCH_ROUTER_A_DLL:-$router_dll}
router_b_dll=${BENCH_ROUTER_B_DLL:-$router_dll}
ab=0
[[ -n $router_b_env || -n ${BENCH_ROUTER_A_DLL:-} || -n ${BENCH_ROUTER_B_DLL:-} ]] && ab=1
ab_rounds=${BENCH_AB_ROUNDS:-3}
host="port-${port}-vm-${vmid}.example.com"

PATH=$PATH:/usr/sbin
for tool in wrk caddy nginx unshare curl; do
  command -v "$tool" >/dev/null || { echo "bench-router: '$tool' is missing (eng/bootstrap.sh installs it)" >&2; exit 1; }
done

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build services/Cmux.Router -c Release -nologo -clp:ErrorsOnly >/dev/null
dotnet build fakes/Cmux.Fakes.Sandbox -c Release -nologo -clp:ErrorsOnly >/dev/null

work=$(mktemp -d /tmp/cmux-bench-router.XXXXXX)
pids=()
cleanup() {
  curl -s -X DELETE "http://127.0.0.1:${control_port}/sandboxes/${vmid}" >/dev/null 2>&1 || true
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
  rm -rf "$work"
}
trap cleanup EXIT

wait_for() { # url
  for _ in $(seq 1 300); do curl -s -o /dev/null "$1" && return 0; sleep 0.1; done
  echo "bench-router: nothing answers at $1" >&2; exit 1
}

dotnet fakes/Cmux.Fakes.Sandbox/bin/Release/net10.0/Cmux.Fakes.Sandbox.dll \
  --urls "http://127.0.0.1:${control_port}" --Sandbox:DataDir="$work/sandboxes" \
  --Logging:LogLevel:Default=Warning >"$work/sandboxes.log" 2>&1 &
pids+=($!)
wait_for "http://127.0.0.1:${control_port}/health"
curl -sf -X PUT -H 'Content-Type: application/json' -d '{}' "http://127.0.0.1:${control_port}/sandboxes/${vmid}" >/dev/null
curl -sf -X POST "http://127.0.0.1:${control_port}/sandboxes/${vmid}/start" >/dev/null
hosts="$work/sandboxes/hosts"
direct=$(awk -v name="cmux-${vmid}.lan" '$2 == name { print $1 }' "$hosts")

HOME="$work" XDG_CONFIG_HOME="$work" XDG_DATA_HOME="$work" CADDY_PORT="$caddy_port" unshare -m --propagation private \
  sh -c "mount --bind '$hosts' /etc/hosts && exec caddy run --adapter caddyfile --config '$root/services/Cmux.Router/Caddy/seed.Caddyfile'" \
  >"$work/caddy.log" 2>&1 &
pids+=($!)

ASPNETCORE_URLS="http://127.0.0.1:${router_port}" Router__HostsFile="$hosts" Logging__LogLevel__Default=Warning \
  dotnet "$router_a_dll" >"$work/router.log" 2>&1 &
pids+=($!)
if ((ab)); then
  # shellcheck disable=SC2086 # NAME=value words, split on purpose
  env ASPNETCORE_URLS="http://127.0.0.1:${router_b_port}" Router__HostsFile="$hosts" Logging__LogLevel__Default=Warning $router_b_env \
    dotnet "$router_b_dll" >"$work/router-b.log" 2>&1 &
  pids+=($!)
  wait_for "http://127.0.0.1:${router_b_port}/health"
fi

# nginx as a plain reverse proxy: one worker, HTTP/1.1 and pooled keep-alive connections to the
# sandbox, the client's Host passed on, no access log (the router and Caddy write none either).
mkdir -p "$work/nginx"
cat >"$work/nginx/nginx.conf" <<NGINX
worker_processes 1;
pid $work/nginx/nginx.pid;
error_log $work/nginx/error.log warn;
events { worker_connections 4096; }
http {
  access_log off;
  client_body_temp_path $work/nginx/body;
  proxy_temp_path $work/nginx/proxy;
  upstream sandbox { server ${direct}:${port}; keepalive 128; }
  server {
    listen 127.0.0.1:${nginx_port};
    location / {
      proxy_pass http://sandbox;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
      proxy_set_header Host \$host;
      proxy_set_header X-Forwarded-For \$remote_addr;
      proxy_set_header X-Forwarded-Host \$host;
      proxy_set_header X-Forwarded-Proto \$scheme;
      proxy_buffering off;
    }
  }
}
NGINX
nginx -p "$work/nginx" -c "$work/nginx/nginx.conf" -g 'daemon off;' >"$work/nginx.log" 2>&1 &
pids+=($!)

wait_for "http://127.0.0.1:${caddy_port}/"
wait_for "http://127.0.0.1:${nginx_port}/"
wait_for "http://127.0.0.1:${router_port}/health"

run() { # name url
  local out rps p50 p99
  curl -sf -o /dev/null -H "Host: $host" "$2$path" || { echo "bench-router: $1 does not answer $2$path" >&2; exit 1; }
  # Warm-up (JIT tiers, connection pools), discarded; then the measured run.
  wrk -t2 -c"$connections" -d2s -H "Host: $host" "$2$path" >/dev/null
  wrk -t2 -c"$connections" -d"$duration" --latency -H "Host: $host" "$2$path" >"$work/$1.wrk"
  out=$(cat "$work/$1.wrk")
  rps=$(awk '/^Requests\/sec:/ { print $2 }' <<<"$out")
  p50=$(awk '$1 == "50%" { print $2 }' <<<"$out")
  p99=$(awk '$1 == "99%" { print $2 }' <<<"$out")
  printf '%-8s %12s %10s %10s\n' "$1" "$rps" "$p50" "$p99"
  eval "${1}_rps=$rps; ${1}_p99=$p99"
}

ms() { # wrk latency (us/ms/s) -> milliseconds
  awk -v v="$1" 'BEGIN { n = v + 0; if (v ~ /us$/) n /= 1000; else if (v ~ /ms$/) n += 0; else if (v ~ /s$/) n *= 1000; printf "%.3f", n }'
}

if ((ab)); then
  echo "A/B: router $router_a_dll (A) and $router_b_dll${router_b_env:+ with $router_b_env} (B), wrk -t2 -c${connections} -d${duration}s GET ${path}, $ab_rounds rounds, load $(cut -d' ' -f1-3 /proc/loadavg)"
  printf '%-8s %12s %10s %10s\n' target req/s p50 p99
  best_a=0 best_b=0
  for ((round = 1; round <= ab_rounds; round++)); do
    if ((round % 2)); then run A "http://127.0.0.1:${router_port}"; run B "http://127.0.0.1:${router_b_port}"
    else run B "http://127.0.0.1:${router_b_port}"; run A "http://127.0.0.1:${router_port}"; fi
    awk -v a="$A_rps" -v b="$B_rps" -v n="$round" 'BEGIN { printf "round %d: B/A %.2f\n", n, b / a }'
    best_a=$(awk -v x="$best_a" -v y="$A_rps" 'BEGIN { print (y > x ? y : x) }')
    best_b=$(awk -v x="$best_b" -v y="$B_rps" 'BEGIN { print (y > x ? y : x) }')
  done
  awk -v a="$best_a" -v b="$best_b" 'BEGIN { printf "best of each: A %.0f, B %.0f req/s, B/A %.2f\n", a, b, b / a }'
  echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
  exit 0
fi

echo "wrk -t2 -c${connections} -d${duration}s GET ${path} (Host: ${host}) on $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %12s %10s %10s\n' target req/s p50 p99
run direct "http://${direct}:${port}"
run router "http://127.0.0.1:${router_port}"
run caddy "http://127.0.0.1:${caddy_port}"
run nginx "http://127.0.0.1:${nginx_port}"
awk -v r="$router_rps" -v c="$caddy_rps" -v n="$nginx_rps" -v d="$direct_rps" \
  -v rp="$(ms "$router_p99")" -v cp="$(ms "$caddy_p99")" -v np="$(ms "$nginx_p99")" 'BEGIN {
  printf "router/caddy throughput %.2fx, router/nginx %.2fx, router/direct %.2fx\n", r / c, r / n, r / d
  printf "p99 router %.2f ms vs caddy %.2f ms (%s), vs nginx %.2f ms (%s)\n",
    rp, cp, (rp <= cp ? "no worse" : "WORSE"), np, (rp <= np ? "no worse" : "WORSE") }'
