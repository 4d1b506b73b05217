#!/usr/bin/env bash
# Router benchmark: wrk against one sandbox port directly, through our router (Release), through
# Caddy 2.6.2 (the seed's Caddyfile) and through nginx, one after the other in one run, with the
# same connections and duration. Prints req/s, p50 and p99 for each and the ratios router/Caddy,
# router/nginx and router/direct. The sandboxes, our router and Caddy are composed by the AppHost
# (CmuxStackBuilder, through eng/lib/stack.sh), two stacks started side by side: "ours"
# (Cmux:Router=ours) and "caddy" (Cmux:Router=caddy), each with its own sandbox, its test endpoints
# on (Cmux:SandboxTestEndpoints=true) and no proxy of Aspire's in front of any endpoint
# (Cmux:EndpointProxy=false: DCP's proxy is a hop no PVE host has, and it halved both routers'
# req/s in a trial, 7.7k vs 17.2k for ours, 7.9k vs 12.6k for Caddy). nginx is no part
# of the stack: a reference the script starts itself (Debian's, one worker, keep-alive to the
# upstream, the client's Host passed on), with a fixed upstream, the ours stack's sandbox: no
# routing, so the cost of proxying alone. Loopback only; everything it starts is stopped on exit.
# Usage: eng/bench-router.sh [seconds per target (10)] [connections (64)] [path (/_cmux/bytes?size=128)]
#
# Telemetry: the stacks run with Cmux:Telemetry=false, so their projects export nothing to the
# dashboard, as Caddy and nginx export nothing. Measured (2 cores, `5 16`, load 8-9, two pairs of
# runs, off then on and on then off): our router 15.8k and 16.1k req/s off, 5.1k and 8.0k on;
# Caddy 13.6k and 12.1k off, 5.8k and 7.0k on (its upstream, the sandbox host, exports too); so
# router/Caddy 1.16x and 1.33x off, 0.88x and 1.14x on. With it on the figures halve and the
# ratio moves against the router, so they would measure the exporter as much as the router, which
# Caddy and nginx never pay. BENCH_TELEMETRY=1 turns it on.
#
# A/B of a router setting in the same run: BENCH_ROUTER_B="NAME=value ..." composes a second
# stack whose router alone gets those variables (Cmux:RouterSettings, e.g. Kestrel__... or
# Logging__LogLevel__...), and BENCH_AB_ROUNDS (3) rounds alternate the two routers (A then B,
# then B then A, ...) and print B/A per round and for the best of each. BENCH_ROUTER_A_DLL /
# BENCH_ROUTER_B_DLL run another build of the router (a Cmux.Router.dll, e.g. a copy of the
# build before a change) as A or B (Cmux:RouterBinary), which also starts the A/B.
# Other settings (environment): BENCH_VMID (4250: the ours or A stack's sandbox, +1 the caddy or B
# stack's). The Cmux__* keys of the environment hold for every stack but the router's.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
duration=${1:-10}
connections=${2:-64}
path=${3:-/_cmux/bytes?size=128}
port=39375                      # execd's port, served by the sandbox (and its test endpoints) as every port
vmid=${BENCH_VMID:-4250}
telemetry=${BENCH_TELEMETRY:-0}
router_b_env=${BENCH_ROUTER_B:-}
ab=0
[[ -n $router_b_env || -n ${BENCH_ROUTER_A_DLL:-} || -n ${BENCH_ROUTER_B_DLL:-} ]] && ab=1
ab_rounds=${BENCH_AB_ROUNDS:-3}
script=bench-router
work="$root/artifacts/bench-router/run"
source "$root/eng/lib/stack.sh"
source "$root/eng/lib/wrk.sh"

PATH=$PATH:/usr/sbin
need_tools wrk caddy nginx unshare curl jq ss
[[ $duration =~ ^[1-9][0-9]*$ && $connections =~ ^[1-9][0-9]*$ ]] || die "usage: eng/bench-router.sh [seconds] [connections] [path]"
[[ $telemetry == [01] ]] || die "BENCH_TELEMETRY must be 0 or 1, not '$telemetry'"

rm -rf "$work" && mkdir -p "$work"
nginx_pid=""
cleanup() {
  [[ -n $nginx_pid ]] && { kill "$nginx_pid" 2>/dev/null || true; wait "$nginx_pid" 2>/dev/null || true; }
  stacks_stop
}
trap cleanup EXIT

stacks_build
common=(Cmux__SandboxTestEndpoints=true Cmux__EndpointProxy=false Cmux__Telemetry=$( ((telemetry)) && echo true || echo false))
if ((ab)); then
  b_settings=()
  for word in $router_b_env; do
    [[ $word == [A-Za-z_]*=* ]] || die "BENCH_ROUTER_B: '$word' is not NAME=value"
    b_settings+=("Cmux__RouterSettings__$word")
  done
  a_settings=()
  [[ -n ${BENCH_ROUTER_A_DLL:-} ]] && a_settings+=("Cmux__RouterBinary=$BENCH_ROUTER_A_DLL")
  [[ -n ${BENCH_ROUTER_B_DLL:-} ]] && b_settings+=("Cmux__RouterBinary=$BENCH_ROUTER_B_DLL")
  stack_start A "$vmid" Cmux__Router=ours "${common[@]}" "${a_settings[@]}"
  stack_start B $((vmid + 1)) Cmux__Router=ours "${common[@]}" "${b_settings[@]}"
  stacks_up A B
else
  stack_start ours "$vmid" Cmux__Router=ours "${common[@]}"
  stack_start caddy $((vmid + 1)) Cmux__Router=caddy "${common[@]}"
  stacks_up ours caddy

  # nginx as a plain reverse proxy: one worker, HTTP/1.1 and pooled keep-alive connections to the
  # sandbox, the client's Host passed on, no access log (the router and Caddy write none either).
  nginx_port=$(stack_free_port)
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
  upstream sandbox { server ${stack_ip[ours]}:${port}; keepalive 128; }
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
  nginx_pid=$!
  for _ in $(seq 1 100); do curl -s -o /dev/null "http://127.0.0.1:$nginx_port/" && break; sleep 0.1; done
fi

run() { # name url host
  local rps p50 p99
  curl -sf -o /dev/null -H "Host: $3" "$2$path" || die "$1 does not answer $2$path (Host: $3; logs: $work)"
  # Warm-up (JIT tiers, connection pools), discarded; then the measured run.
  wrk -t2 -c"$connections" -d2s -H "Host: $3" "$2$path" >/dev/null
  wrk -t2 -c"$connections" -d"$duration" --latency -H "Host: $3" "$2$path" >"$work/$1.wrk"
  grep -q -E 'Non-2xx|Socket errors' "$work/$1.wrk" && echo "$script: $1: wrk saw errors: $(grep -E 'Non-2xx|Socket errors' "$work/$1.wrk" | paste -sd' ')" >&2
  read -r rps p50 p99 _ < <(wrk_numbers <"$work/$1.wrk")
  printf '%-8s %12s %10s %10s\n' "$1" "$rps" "$p50" "$p99"
  eval "${1}_rps=$rps; ${1}_p99=$p99"
}

if ((ab)); then
  a_url="http://${stack_router[A]}" a_host=$(stack_host A "$port")
  b_url="http://${stack_router[B]}" b_host=$(stack_host B "$port")
  echo "A/B: router A $(jq -r .router "${stack_run[A]}/composition.json"), B $(jq -r .router "${stack_run[B]}/composition.json")"
  echo "wrk -t2 -c${connections} -d${duration}s GET ${path}, $ab_rounds rounds, telemetry $( ((telemetry)) && echo on || echo off), load $(cut -d' ' -f1-3 /proc/loadavg)"
  printf '%-8s %12s %10s %10s\n' target req/s p50_ms p99_ms
  best_a=0 best_b=0
  for ((round = 1; round <= ab_rounds; round++)); do
    if ((round % 2)); then run A "$a_url" "$a_host"; run B "$b_url" "$b_host"
    else run B "$b_url" "$b_host"; run A "$a_url" "$a_host"; fi
    awk -v a="$A_rps" -v b="$B_rps" -v n="$round" 'BEGIN { printf "round %d: B/A %.2f\n", n, b / a }'
    best_a=$(awk -v x="$best_a" -v y="$A_rps" 'BEGIN { print (y > x ? y : x) }')
    best_b=$(awk -v x="$best_b" -v y="$B_rps" 'BEGIN { print (y > x ? y : x) }')
  done
  awk -v a="$best_a" -v b="$best_b" 'BEGIN { printf "best of each: A %.0f, B %.0f req/s, B/A %.2f\n", a, b, b / a }'
  echo "load after: $(cut -d' ' -f1-3 /proc/loadavg)"
  exit 0
fi

host=$(stack_host ours "$port")
echo "wrk -t2 -c${connections} -d${duration}s GET ${path} (Host: ${host}; Caddy's sandbox: $(stack_host caddy "$port")) on $(nproc) cores, telemetry $( ((telemetry)) && echo on || echo off), load $(cut -d' ' -f1-3 /proc/loadavg)"
printf '%-8s %12s %10s %10s\n' target req/s p50_ms p99_ms
run direct "http://${stack_ip[ours]}:${port}" "$host"
run router "http://${stack_router[ours]}" "$host"
run caddy "http://${stack_router[caddy]}" "$(stack_host caddy "$port")"
run nginx "http://127.0.0.1:${nginx_port}" "$host"
awk -v r="$router_rps" -v c="$caddy_rps" -v n="$nginx_rps" -v d="$direct_rps" \
  -v rp="$router_p99" -v cp="$caddy_p99" -v np="$nginx_p99" 'BEGIN {
  printf "router/caddy throughput %.2fx, router/nginx %.2fx, router/direct %.2fx\n", r / c, r / n, r / d
  printf "p99 router %.2f ms vs caddy %.2f ms (%s), vs nginx %.2f ms (%s)\n",
    rp, cp, (rp <= cp ? "no worse" : "WORSE"), np, (rp <= np ? "no worse" : "WORSE") }'
