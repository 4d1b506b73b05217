#!/bin/bash
# The template's start script: a container's PID 1 (or an LXC's init) runs it. It starts the
# in-sandbox servers, logs each to /var/log/cmux/<name>.log, and waits; TERM/INT stop them all.
export HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin
export DOTNET_SYSTEM_GLOBALIZATION_INVARIANT=1 NODE_PATH=/opt/cmux/node/node_modules
mkdir -p /var/log/cmux /tmp/.X11-unix && chmod 1777 /tmp /tmp/.X11-unix
start() { local name=$1; shift; "$@" >"/var/log/cmux/$name.log" 2>&1 & echo "cmux-init: $name pid $!"; }
# The token hook's end (as cmux's cmux-token-init, docs/contracts.md §4.2): a CMUX_EXECD_AUTH_TOKEN in
# PID 1's environment (the PVE hook puts it there; the Docker runtime passes it as the container's env)
# becomes the token file execd requires, owner-only from its first byte; then it leaves the environment,
# so no command exec runs sees it. None given: the file is left as it is (a fresh template has none).
if [ -n "${CMUX_EXECD_AUTH_TOKEN:-}" ]; then
  (umask 077 && rm -f /root/.worker-auth-token && printf '%s' "$CMUX_EXECD_AUTH_TOKEN" >/root/.worker-auth-token)
  echo "cmux-init: execd token file written"
fi
unset CMUX_EXECD_AUTH_TOKEN
# execd on 39375, cmux profile unless Execd__Profile says otherwise (no token file: no auth, as the Go daemon).
export Execd__Profile=${Execd__Profile:-cmux}
start execd /opt/cmux/execd/Cmux.Execd
# VNC: TigerVNC's X server on display :1 (rfb 5901, loopback only), noVNC via websockify on 39380.
start xvnc Xtigervnc :1 -rfbport 5901 -localhost -SecurityTypes None -geometry 1280x800 -depth 24
start novnc websockify --web /usr/share/novnc 39380 127.0.0.1:5901
# The worker's Socket.IO and /health on 39377 and 39376, the terminal (sessions API) on 39383.
start socketio node /opt/cmux/socketio-server.js
start terminal node /opt/cmux/terminal-server.js
# VS Code on 39378: a stand-in (code-server is not installable here; see the README).
start vscode-standin node /opt/cmux/vscode-standin.js
# DevTools: Debian's Chromium, headless, CDP on loopback 39382 (root needs --no-sandbox; a fresh
# profile because Chromium refuses remote debugging on its default one), and the forwarder on 39381.
start chromium chromium --headless --no-sandbox --disable-gpu --disable-dev-shm-usage --no-first-run \
  --user-data-dir=/tmp/cmux-chromium --remote-debugging-address=127.0.0.1 --remote-debugging-port=39382 \
  --remote-allow-origins='*' about:blank
start devtools node /opt/cmux/devtools-proxy.js
# The preview dev server on 5173 (vite.config.mjs there: allowedHosts).
cd /opt/cmux/preview && start vite /opt/cmux/node/node_modules/.bin/vite --host 0.0.0.0 --port 5173 --strictPort
trap 'kill $(jobs -p) 2>/dev/null; wait; exit 0' TERM INT
wait
