#!/usr/bin/env bash
# Starts one container from the template image on a Docker network made for it, asks each
# in-sandbox server from the host at the container's address, then removes container and network.
# Usage: eng/template/smoke.sh cmux-template:<hash>
set -uo pipefail
export DOCKER_API_VERSION=${DOCKER_API_VERSION:-1.41}
image=${1:?image}
net=cmux-tpl-smoke-$$ name=cmux-tpl-smoke-$$
trap 'docker rm -f "$name" >/dev/null 2>&1; docker network rm "$net" >/dev/null 2>&1' EXIT
docker network create "$net" >/dev/null
docker run -d --name "$name" --hostname cmux-smoke --network "$net" "$image" >/dev/null
ip=$(docker inspect -f '{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}' "$name")
echo "container $name at $ip"
declare -A checks=(
  [execd:39375]="/healthz"
  [worker:39376]="/health"
  [socketio:39377]="/socket.io/?EIO=4&transport=polling"
  [vscode:39378]="/"
  [novnc:39380]="/vnc.html"
  [devtools:39381]="/json/version"
  [terminal:39383]="/health"
  [vite:5173]="/"
)
t0=$(date +%s)
for key in execd:39375 worker:39376 socketio:39377 vscode:39378 novnc:39380 devtools:39381 terminal:39383 vite:5173; do
  port=${key#*:}; path=${checks[$key]}; code=000
  for _ in $(seq 1 60); do
    code=$(curl -s -o /tmp/smoke-body.$$ -w '%{http_code}' --max-time 2 "http://$ip:$port$path" 2>/dev/null)
    [ "$code" != 000 ] && break; sleep 0.5
  done
  printf '%-16s %s after %ss: %s\n' "$key" "$code" "$(( $(date +%s) - t0 ))" "$(head -c 90 /tmp/smoke-body.$$ | tr -d '\n')"
done
ws() { curl -s -o /dev/null -w '%{http_code}' --max-time 2 -H 'Connection: Upgrade' -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' "$@"; }
# The terminal: a session, and its websocket upgrade answered with 101.
session=$(curl -s --max-time 2 -X POST -H 'content-type: application/json' -d '{}' "http://$ip:39383/sessions")
printf '%-16s %s\n' "terminal session" "$session"
id=$(printf '%s' "$session" | sed -n 's/.*"id":"\([^"]*\)".*/\1/p')
printf '%-16s %s\n' "terminal ws" "$(ws "http://$ip:39383/sessions/$id/ws")"
# A public name as the Host: Vite's allowedHosts and the DevTools forwarder must not refuse it.
printf '%-16s %s\n' "vite public host" "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 -H 'Host: port-5173-vm-200.example.test' "http://$ip:5173/")"
dbg=$(curl -s --max-time 2 -H 'Host: port-39381-vm-200.example.test' "http://$ip:39381/json/version" | sed -n 's/.*"webSocketDebuggerUrl": *"ws:\/\/[^/]*\([^"]*\)".*/\1/p')
printf '%-16s %s %s\n' "devtools ws" "$dbg" "$(ws -H 'Host: port-39381-vm-200.example.test' "http://$ip:39381$dbg")"
printf '%-16s %s\n' "vscode ws" "$(ws "http://$ip:39378/?reconnectionToken=smoke&reconnection=false")"
printf '%-16s %s\n' "novnc ws" "$(ws -H 'Sec-WebSocket-Protocol: binary' "http://$ip:39380/websockify")"
rm -f /tmp/smoke-body.$$
docker exec "$name" sh -c 'ps -eo pid,comm | head -30; for f in /var/log/cmux/*.log; do echo "== $f"; tail -3 "$f"; done' 2>&1 | head -60
