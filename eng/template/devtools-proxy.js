// DevTools on 39381: a forwarder in front of the real Chromium (Debian's, headless), whose CDP
// listens on 127.0.0.1:39382, as cmux runs Chrome behind its CDP proxy. Why a forwarder: Chromium
// binds CDP to loopback and answers 500 to a Host header that is neither an IP nor localhost
// (DNS-rebinding guard), while through the router the Host is the sandbox's public name. So each
// request and upgrade goes to Chromium with Host 127.0.0.1:39382, and the /json answers name the
// caller's Host in their ws:// URLs again, so a client can follow webSocketDebuggerUrl.
const http = require("http");
const net = require("net");
const UP = { host: "127.0.0.1", port: 39382 }, upHost = `${UP.host}:${UP.port}`;
const server = http.createServer((req, res) => {
  const out = http.request({ ...UP, method: req.method, path: req.url, headers: { ...req.headers, host: upHost } }, (up) => {
    if (!req.url.startsWith("/json")) { res.writeHead(up.statusCode, up.headers); return up.pipe(res); }
    const chunks = []; up.on("data", (c) => chunks.push(c));
    up.on("end", () => {
      const body = Buffer.from(Buffer.concat(chunks).toString().split(upHost).join(req.headers.host || upHost));
      res.writeHead(up.statusCode, { ...up.headers, "content-length": body.length }); res.end(body);
    });
  });
  out.on("error", () => { res.writeHead(502, { "content-type": "text/plain" }); res.end("chromium's DevTools is not answering yet\n"); });
  req.pipe(out);
});
// Websockets: the raw upgrade request goes through with the Host rewritten, then bytes both ways.
server.on("upgrade", (req, socket, head) => {
  const up = net.connect(UP, () => {
    const headers = Object.entries({ ...req.headers, host: upHost }).map(([k, v]) => `${k}: ${v}`).join("\r\n");
    up.write(`${req.method} ${req.url} HTTP/1.1\r\n${headers}\r\n\r\n`); up.write(head);
    up.pipe(socket); socket.pipe(up);
  });
  up.on("error", () => socket.destroy()); socket.on("error", () => up.destroy());
});
server.listen(39381, "0.0.0.0");
