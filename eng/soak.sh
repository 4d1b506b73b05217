#!/usr/bin/env bash
# Soak benchmark (issue 15, Build point 5): the stack composed by the AppHost (CmuxStackBuilder,
# through eng/lib/stack.sh, as eng/compare.sh and the benchmarks compose theirs: sandbox host with
# one sandbox and its execd, our router, the PVE, Cloudflare API and Morph fakes, the tunnel setup,
# the edge with the run CA and Access), with Cmux:SandboxTestEndpoints=true (the load's /_cmux/
# pages), Cmux:EndpointProxy=false (no DCP proxy between the loads and the services) and
# Cmux:Telemetry=false (no OTLP exporter in the figures, as a service deployed alone),
# runs mixed load for the given minutes, and prints per service (and for execd, a child of the sandbox host) its resident
# memory, open file descriptors, threads and descendant processes, from /proc: at the start (stack
# up, no load), after the warm-up, at the peak and at the end (load stopped, SOAK_SETTLE seconds
# later), with the growth from warm-up to end. Then it stops the AppHost and checks every process
# under it gone.
#
#   eng/soak.sh [minutes]   default 10; the load runs that long, bounded by its own --duration
#
# The load, each a cmux-load process for the whole run, capped in rate so the services rather than
# the clients use the cores:
#   http-edge    GET /_cmux/bytes (1 KiB) through edge -> router -> sandbox, Access token, open model 25/s
#   http-router  GET /_cmux/bytes (16 KiB, chunked) through the router, open model 200/s
#   ws-edge      websocket echo on 16 sockets kept open through the edge
#   ws-storm     websocket connect, echo, close, over and over, through the router
#   exec         POST /exec {"command":"true"} to execd
#   exec-timeout a command execd times out (timeout_ms 200 on sleep 30): exit 124, group killed
#   exec-abandon a client that gives up after 300 ms on sleep 30 (disconnects): execd kills the group
#   exec-large   4 MiB on stdout and 2 MiB on stderr, cut by execd's output bound
#   exec-bg      a command that leaves a background child in its group, which execd kills at the end
#
# Settings (environment): SOAK_WARMUP seconds after which growth is counted (60, at most a fifth of
# the run), SOAK_SAMPLE seconds between samples (5), SOAK_SETTLE seconds between the end of the load
# and the last sample (15), SOAK_VMID (4343), SOAK_TELEMETRY (0; 1: the projects export OTLP to the
# dashboard, as for a user). SOAK_PORT_BASE is gone: the AppHost allocates every port. The Cmux__*
# keys of the environment hold for the stack (e.g. Cmux__Profile=cmux), but for the router (ours).
# Output and logs: artifacts/soak/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

minutes=${1:-10}
[[ $minutes =~ ^[0-9]+$ ]] && ((minutes >= 1 && minutes <= 60)) || { echo "soak: minutes must be 1..60, not '$minutes'" >&2; exit 2; }
seconds=$((minutes * 60))
warmup=${SOAK_WARMUP:-60}
((warmup <= seconds / 5)) || warmup=$((seconds / 5))
sample=${SOAK_SAMPLE:-5}
settle=${SOAK_SETTLE:-15}
vmid=${SOAK_VMID:-4343}
telemetry=${SOAK_TELEMETRY:-0}
out="$root/artifacts/soak"
work="$out/run"
script=soak
source "$root/eng/lib/stack.sh"

[[ -z ${SOAK_PORT_BASE:-} ]] || die "SOAK_PORT_BASE is gone: the AppHost allocates every port (eng/lib/stack.sh)"
[[ $telemetry == [01] ]] || die "SOAK_TELEMETRY must be 0 or 1, not '$telemetry'"
need_tools jq curl timeout ss

rm -rf "$out" && mkdir -p "$work"
loads=()
cleanup() {
  for pid in "${loads[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${loads[@]}"; do wait "$pid" 2>/dev/null || true; done
  stacks_stop
}
trap cleanup EXIT

stacks_build load/Cmux.Load
stack_start soak "$vmid" Cmux__Router=ours Cmux__Access=true Cmux__SandboxTestEndpoints=true Cmux__EndpointProxy=false \
  Cmux__Telemetry=$( ((telemetry)) && echo true || echo false)
stacks_up soak
sandbox_ip=${stack_ip[soak]}
web=$(stack_host soak 39378)
deadline=$((SECONDS + 30))
until curl -sf -o /dev/null -m 2 -H 'Content-Type: application/json' -d '{"command":"true"}' "http://$sandbox_ip:39375/exec"; do
  ((SECONDS < deadline)) || die "execd in sandbox $vmid ($sandbox_ip:39375) did not run a command within 30 s (log: $work/soak/apphost.log)"
  sleep 0.2
done

descendants() { # pid -> every descendant pid, one a line
  local pid=$1 child
  for child in $(cat /proc/"$pid"/task/*/children 2>/dev/null); do
    echo "$child"
    descendants "$child"
  done
}
# Each service is the process Aspire's `dotnet run` starts: the project's own executable.
declare -A service_pid
for name in sandboxes:Cmux.Fakes.Sandbox router:Cmux.Router cloudflare:Cmux.Fakes.Cloudflare edge:Cmux.Fakes.Edge; do
  service_pid[${name%%:*}]=$(stack_process soak "^[^ ]*/${name#*:}( |\$)")
  [[ -n ${service_pid[${name%%:*}]} ]] || die "no ${name#*:} process under the AppHost (pid ${stack_pid[soak]})"
done
# execd is the sandbox host's descendant whose command line names Cmux.Execd.
execd_pid=""
for pid in $(descendants "${service_pid[sandboxes]}"); do
  if tr '\0' ' ' </proc/"$pid"/cmdline 2>/dev/null | grep -q 'Cmux\.Execd\(\.dll\)\?\( \|$\)'; then execd_pid=$pid; fi
done
[[ -n $execd_pid ]] || die "no execd process under the sandbox host (pid ${service_pid[sandboxes]})"
service_pid[execd]=$execd_pid
services=(sandboxes execd router cloudflare edge)

measure() { # pid -> "rss_kib fds threads descendants" ("- - - -" once it is gone)
  local pid=$1
  [[ -r /proc/$pid/status ]] || { echo "- - - -"; return; }
  local rss threads fds procs
  rss=$(awk '/^VmRSS:/ { print $2 }' /proc/"$pid"/status)
  threads=$(awk '/^Threads:/ { print $2 }' /proc/"$pid"/status)
  fds=$(find /proc/"$pid"/fd -mindepth 1 -maxdepth 1 2>/dev/null | wc -l)
  procs=$(descendants "$pid" | wc -l)
  echo "${rss:-0} $fds ${threads:-0} $procs"
}

declare -A first warm peak last
snapshot() { # label: records every service's figures under that label (start, warm, last), and the peak
  local label=$1 name figures
  for name in "${services[@]}"; do
    figures=$(measure "${service_pid[$name]}")
    case $label in
      start) first[$name]=$figures ;;
      warm) warm[$name]=$figures ;;
      last) last[$name]=$figures ;;
    esac
    peak[$name]=$(awk -v a="${peak[$name]:-0 0 0 0}" -v b="$figures" 'BEGIN {
      n = split(a, x, " "); split(b, y, " ")
      for (i = 1; i <= 4; i++) { v = (y[i] == "-" || x[i] + 0 >= y[i] + 0) ? x[i] : y[i]; printf "%s%s", v, (i < 4 ? " " : "") } }')
    echo "$(date +%s) $label $name $figures" >>"$out/samples.txt"
  done
}

load() { # name cmux-load-run-arguments... : one load for the whole run, in the background
  local name=$1 token=(); shift
  # The edge's loads get the service token in their environment, never on a command line.
  [[ $name == *-edge ]] && token=(CMUX_ACCESS_CLIENT_ID="${stack_client_id[soak]}" CMUX_ACCESS_CLIENT_SECRET="${stack_client_secret[soak]}")
  env "${token[@]}" dotnet "$root/load/Cmux.Load/bin/Release/net10.0/Cmux.Load.dll" run "$@" --duration "${seconds}s" --quiet --out "$out/load/$name" \
    >"$work/load-$name.log" 2>&1 &
  loads+=($!)
}

snapshot start
edge=(--target "https://$web:${stack_edge[soak]#*:}" --resolve 127.0.0.1 --ca "${stack_ca[soak]}")
router=(--target "http://${stack_router[soak]}" --host "$web")

execd=(--target "http://$sandbox_ip:39375")
echo "== load for ${minutes} min (growth counted after ${warmup}s), samples every ${sample}s"
load http-edge --scenario http --size 1024 "${edge[@]}" --model open:25 --rate-cap 25
load http-router --scenario http --path "/_cmux/bytes?size=16384&chunked=1" "${router[@]}" --model open:200 --rate-cap 200
load ws-edge --scenario ws-echo --size 4096 "${edge[@]}" --model closed:16 --rate-cap 200
load ws-storm --scenario ws-storm "${router[@]}" --model closed:4 --rate-cap 20
load exec --scenario exec "${execd[@]}" --model closed:2 --rate-cap 10
load exec-timeout --scenario exec --command "sleep 30" --exec-timeout 200ms "${execd[@]}" --model closed:2 --rate-cap 4
load exec-abandon --scenario exec --command "sleep 30" --timeout 300ms "${execd[@]}" --model closed:2 --rate-cap 4
load exec-large --scenario exec --command "head -c 4194304 /dev/zero | tr '\\0' x; head -c 2097152 /dev/zero | tr '\\0' y >&2" \
  "${execd[@]}" --model closed:2 --rate-cap 2
load exec-bg --scenario exec --command "sleep 30 & echo started" "${execd[@]}" --model closed:1 --rate-cap 2

started=$SECONDS
warmed=0
while ((SECONDS - started < seconds)); do
  sleep "$sample"
  if ((!warmed && SECONDS - started >= warmup)); then
    snapshot warm
    warmed=1
  else
    snapshot peak
  fi
  printf '\r   %4ds of %ds' $((SECONDS - started)) "$seconds"
done
echo
for pid in "${loads[@]}"; do wait "$pid" 2>/dev/null || true; done
loads=()
sleep "$settle"
snapshot last

echo
echo "Load (cmux-load reports in $out/load/<name>/):"
printf '  %-13s %10s %9s %9s %10s  %s\n' load iterations "per s" failed "p99 ms" "errors, statuses"
for report in "$out"/load/*/report.json; do
  [[ -f $report ]] || continue
  jq -r --arg name "$(basename "$(dirname "$report")")" '.iterations as $i |
    "  \($name | . + " " * (13 - length)) \($i.requests | tostring | " " * (10 - length) + .) \($i.rps | floor | tostring | " " * (9 - length) + .) \($i.failed | tostring | " " * (9 - length) + .) \($i.latency.p99Ms | tostring | " " * (10 - length) + .)  \([($i.errors | to_entries[] | "\(.key)=\(.value)"), ($i.statusCodes | to_entries[] | "\(.key)=\(.value)")] | join(" "))"' "$report"
done

echo
echo "Services (/proc): resident memory MiB, file descriptors, threads, descendant processes"
echo "  start: stack up, before load; warm: after ${warmup}s of load; peak: the highest sample; end: ${settle}s after the load"
printf '  %-10s %-27s %-23s %-23s %-19s\n' "" "RSS MiB start/warm/peak/end" "fds start/warm/peak/end" "threads" "processes"
for name in "${services[@]}"; do
  awk -v n="$name" -v s="${first[$name]}" -v w="${warm[$name]:-- - - -}" -v p="${peak[$name]}" -v e="${last[$name]}" 'BEGIN {
    split(s, a, " "); split(w, b, " "); split(p, c, " "); split(e, d, " ")
    printf "  %-10s", n
    for (i = 1; i <= 4; i++) {
      f = (i == 1) ? 1024 : 1
      cell = sprintf("%s/%s/%s/%s", v(a[i], f), v(b[i], f), v(c[i], f), v(d[i], f))
      printf " %-" (i == 1 ? 27 : (i == 2 || i == 3) ? 23 : 19) "s", cell
    }
    printf "\n" }
    function v(x, f) { return x == "-" ? "-" : (f > 1 ? sprintf("%.0f", x / f) : x) }'
done
echo
echo "Growth from warm-up to end (end - warm):"
for name in "${services[@]}"; do
  awk -v n="$name" -v w="${warm[$name]:-- - - -}" -v e="${last[$name]}" 'BEGIN {
    split(w, b, " "); split(e, d, " ")
    if (b[1] == "-" || d[1] == "-") { printf "  %-10s n/a (not running at one of the two samples)\n", n; exit }
    printf "  %-10s RSS %+.1f MiB (%+.0f%%), fds %+d, threads %+d, processes %+d\n", n, (d[1] - b[1]) / 1024, (b[1] > 0 ? 100 * (d[1] - b[1]) / b[1] : 0), d[2] - b[2], d[3] - b[3], d[4] - b[4] }'
done
echo
echo "Processes still under execd at the end (count, command):"
# None is the expected answer: grep then finds no line, which under pipefail ended the script with 1.
leftovers=$(for pid in $(descendants "${service_pid[execd]}"); do tr '\0' ' ' </proc/"$pid"/cmdline 2>/dev/null; echo; done |
  grep -v '^$' || true)
if [[ -n $leftovers ]]; then
  sort <<<"$leftovers" | uniq -c | sort -rn | head -10 | sed 's/^/  /'
else
  echo "  none"
fi
echo
echo "Every sample: $out/samples.txt; logs: $work"
