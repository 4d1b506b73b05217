// The Socket.IO server on 39377: npm socket.io, echoing every event back to its sender.
const http = require("http");
const { Server } = require("socket.io");
const server = http.createServer((req, res) => { res.writeHead(200, { "content-type": "text/plain" }); res.end("cmux socket.io\n"); });
const io = new Server(server, { cors: { origin: true, credentials: true } });
io.on("connection", (socket) => socket.onAny((event, ...args) => socket.emit(event, ...args)));
server.listen(39377, "0.0.0.0");
