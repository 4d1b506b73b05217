// The terminal on 39383, speaking cmux-pty's HTTP API over real ptys (npm ws + node-pty):
//   GET /health, GET /sessions, POST /sessions {shell?,cwd?,cols?,rows?} -> 201 session,
//   GET|DELETE /sessions/{id}, websocket /sessions/{id}/ws.
// A session is one shell in a pty that outlives its websockets (several may attach; each gets the
// output from then on). Websocket frames carry the pty's bytes both ways; a text frame that is JSON
// {"type":"resize","cols":c,"rows":r} (or {"resize":[c,r]}) resizes the pty instead.
// Written here, not cmux's Rust cmux-pty (no registry serves it); the session fields follow its API.
const http = require("http");
const { WebSocketServer } = require("ws");
const pty = require("node-pty");
const sessions = new Map();
let next = 0;
const describe = (s) => ({ id: s.id, name: s.name, index: s.index, shell: s.shell, cwd: s.cwd, cols: s.term.cols, rows: s.term.rows,
  created_at: s.created, alive: s.alive, pid: s.term.pid });
function json(res, code, body) { res.writeHead(code, { "content-type": "application/json" }); res.end(body === undefined ? "" : JSON.stringify(body)); }
function create(opts) {
  const index = next++, id = require("crypto").randomUUID();
  const shell = opts.shell || "/bin/bash", cwd = opts.cwd || process.env.HOME || "/root";
  const term = pty.spawn(shell, shell.endsWith("bash") ? ["-l"] : [], { name: "xterm-256color", cols: opts.cols || 80, rows: opts.rows || 24, cwd, env: process.env });
  const s = { id, index, name: opts.name || `session-${index}`, shell, cwd, term, created: Date.now(), alive: true, sockets: new Set() };
  term.onData((d) => { for (const ws of s.sockets) if (ws.readyState === 1) ws.send(d); });
  term.onExit(() => { s.alive = false; for (const ws of s.sockets) ws.close(1000, "shell exited"); });
  sessions.set(id, s);
  return s;
}
function remove(s) { sessions.delete(s.id); try { s.term.kill(); } catch { } }
const server = http.createServer((req, res) => {
  const path = req.url.split("?")[0], m = path.match(/^\/sessions\/([^/]+)(\/ws)?$/), s = m && sessions.get(m[1]);
  if (path === "/health") return json(res, 200, { status: "ok", sessions: sessions.size });
  if (path === "/sessions" && req.method === "GET") return json(res, 200, [...sessions.values()].map(describe));
  if (path === "/sessions" && req.method === "POST") {
    let body = ""; req.on("data", (c) => body += c);
    return req.on("end", () => { let o = {}; try { o = body ? JSON.parse(body) : {}; } catch { return json(res, 400, { error: "body is not JSON" }); }
      json(res, 201, describe(create(o))); });
  }
  if (m && !s) return json(res, 404, { error: `no session ${m[1]}` });
  if (m && m[2]) return json(res, 426, { error: "websocket upgrade required" });
  if (m && req.method === "GET") return json(res, 200, describe(s));
  if (m && req.method === "DELETE") { remove(s); res.writeHead(204); return res.end(); }
  if (path === "/") { res.writeHead(200, { "content-type": "text/html" }); return res.end("<!doctype html><title>cmux terminal</title><p>cmux terminal: POST /sessions, then a websocket to /sessions/{id}/ws.</p>\n"); }
  json(res, 404, { error: "not found" });
});
const wss = new WebSocketServer({ noServer: true });
server.on("upgrade", (req, socket, head) => {
  const m = req.url.split("?")[0].match(/^\/sessions\/([^/]+)\/ws$/), s = m && sessions.get(m[1]);
  if (!s || !s.alive) { socket.end("HTTP/1.1 404 Not Found\r\nconnection: close\r\ncontent-length: 0\r\n\r\n"); return; }
  wss.handleUpgrade(req, socket, head, (ws) => {
    s.sockets.add(ws);
    ws.on("close", () => s.sockets.delete(ws));
    ws.on("message", (msg, isBinary) => {
      const text = msg.toString();
      if (!isBinary && text.startsWith("{")) {
        try { const r = JSON.parse(text); const [c, w] = r.resize || (r.type === "resize" ? [r.cols, r.rows] : []);
          if (c && w) { s.term.resize(c, w); return; } } catch { }
      }
      s.term.write(text);
    });
  });
});
server.listen(39383, "0.0.0.0");
