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
  [novnc:39380]="/vnc.html"
  [socketio:39377]="/socket.io/?EIO=4&transport=polling"
  [terminal:39383]="/"
  [vite:5173]="/"
)
t0=$(date +%s)
for key in execd:39375 novnc:39380 socketio:39377 terminal:39383 vite:5173; do
  port=${key#*:}; path=${checks[$key]}; code=000
  for _ in $(seq 1 60); do
    code=$(curl -s -o /tmp/smoke-body.$$ -w '%{http_code}' --max-time 2 "http://$ip:$port$path" 2>/dev/null)
    [ "$code" != 000 ] && break; sleep 0.5
  done
  printf '%-16s %s after %ss: %s\n' "$key" "$code" "$(( $(date +%s) - t0 ))" "$(head -c 90 /tmp/smoke-body.$$ | tr -d '\n')"
done
# The terminal's websocket: upgrade answered with 101.
printf '%-16s %s\n' "terminal ws" "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 -H 'Connection: Upgrade' -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' "http://$ip:39383/")"
printf '%-16s %s\n' "novnc ws" "$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 -H 'Connection: Upgrade' -H 'Upgrade: websocket' -H 'Sec-WebSocket-Version: 13' -H 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==' -H 'Sec-WebSocket-Protocol: binary' "http://$ip:39380/websockify")"
rm -f /tmp/smoke-body.$$
docker exec "$name" sh -c 'ps -eo pid,comm | head -20; for f in /var/log/cmux/*.log; do echo "== $f"; tail -3 "$f"; done' 2>&1 | head -60
