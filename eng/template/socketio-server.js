// The worker's ports: npm socket.io, echoing every event back to its sender, plus GET /health.
// cmux's worker serves Socket.IO on 39377; current cmux PVE sandboxes serve it on 39376, so the
// same server listens on both (one Socket.IO server per port: each attaches to its own listener).
const http = require("http");
const { Server } = require("socket.io");
function handle(req, res) {
  // Socket.IO answers /socket.io/ itself; everything else is the worker's plain HTTP side.
  if (req.url === "/health" || req.url.startsWith("/health?")) {
    res.writeHead(200, { "content-type": "application/json" });
    return res.end(JSON.stringify({ status: "ok", service: "worker" }));
  }
  res.writeHead(200, { "content-type": "text/plain" }); res.end("cmux socket.io\n");
}
for (const port of [39377, 39376]) {
  const server = http.createServer(handle);
  const io = new Server(server, { cors: { origin: true, credentials: true } });
  io.on("connection", (socket) => socket.onAny((event, ...args) => socket.emit(event, ...args)));
  server.listen(port, "0.0.0.0");
}
