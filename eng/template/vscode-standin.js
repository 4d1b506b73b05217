// STAND-IN for VS Code on 39378 (npm code-server needs Node 24; Debian 12 has Node 18, so the real
// server is not installable from the registries here). What cmux's probes and the suite ask of it:
// GET/HEAD / answers a page (cmux's readiness probe is HEAD on this URL), and websockets upgrade on
// any path, as the workbench's remote socket does at /?reconnectionToken=...; the page opens one to
// its own origin (/vscode-remote) and shows "connected" in #status once its message echoes back.
const http = require("http");
const os = require("os");
const { WebSocketServer } = require("ws");
const page = `<!doctype html>
<html><head><meta charset="utf-8"><title>VS Code (cmux template stand-in) - ${os.hostname()}</title></head>
<body><h1>VS Code stand-in</h1><p>websocket: <span id="status">connecting</span></p>
<script>
  const status = document.getElementById('status');
  const socket = new WebSocket((location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/vscode-remote');
  socket.onopen = () => socket.send('hello');
  socket.onmessage = () => { status.textContent = 'connected'; };
  socket.onerror = () => { status.textContent = 'error'; };
  socket.onclose = (e) => { if (status.textContent !== 'connected') status.textContent = 'closed ' + e.code; };
</script></body></html>
`;
const server = http.createServer((req, res) => {
  res.writeHead(200, { "content-type": "text/html; charset=utf-8", "content-length": Buffer.byteLength(page) });
  res.end(req.method === "HEAD" ? undefined : page);
});
// Every upgrade is accepted and echoes what it receives.
new WebSocketServer({ server }).on("connection", (ws) => ws.on("message", (m, isBinary) => ws.send(m, { binary: isBinary })));
server.listen(39378, "0.0.0.0");
