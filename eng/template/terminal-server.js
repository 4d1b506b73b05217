// The terminal over websocket on 39383: npm ws + node-pty, one bash in a real pty per connection.
// Protocol: websocket text/binary frames carry the pty's bytes both ways; a text frame that is
// JSON {"resize":[cols,rows]} resizes the pty. GET / answers a plain page.
const http = require("http");
const { WebSocketServer } = require("ws");
const pty = require("node-pty");
const server = http.createServer((req, res) => { res.writeHead(200, { "content-type": "text/html" }); res.end("<!doctype html><title>cmux terminal</title><p>cmux terminal: connect a websocket to this address.</p>\n"); });
const wss = new WebSocketServer({ server });
wss.on("connection", (ws) => {
  const shell = pty.spawn("/bin/bash", ["-l"], { name: "xterm-256color", cols: 80, rows: 24, cwd: process.env.HOME || "/root", env: process.env });
  shell.onData((data) => ws.readyState === 1 && ws.send(data));
  shell.onExit(() => ws.close());
  ws.on("message", (msg, isBinary) => {
    const text = msg.toString();
    if (!isBinary && text.startsWith("{")) { try { const m = JSON.parse(text); if (m.resize) { shell.resize(m.resize[0], m.resize[1]); return; } } catch { } }
    shell.write(text);
  });
  ws.on("close", () => { try { shell.kill(); } catch { } });
});
server.listen(39383, "0.0.0.0");
