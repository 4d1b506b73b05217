-- wrk resolves the URL's name itself and cannot be told where to connect (curl's --resolve).
-- This keeps the URL's name as the TLS SNI and the Host header and connects to WRK_CONNECT_TO
-- (default 127.0.0.1) instead, so wrk meets the edge as a client on the internet does.
-- Usage: WRK_CONNECT_TO=127.0.0.1 wrk -s eng/wrk-connect.lua https://name.example.test:8443/
local address = os.getenv("WRK_CONNECT_TO") or "127.0.0.1"

function wrk.resolve(host, service)
   wrk.addrs = wrk.lookup(address, service)
end

-- The Access service token, when CMUX_ACCESS_CLIENT_ID and CMUX_ACCESS_CLIENT_SECRET are set: from
-- the environment, never from wrk's command line (-H), which every user of the machine can read.
local id, secret = os.getenv("CMUX_ACCESS_CLIENT_ID"), os.getenv("CMUX_ACCESS_CLIENT_SECRET")
if id and secret and id ~= "" and secret ~= "" then
   wrk.headers["CF-Access-Client-Id"] = id
   wrk.headers["CF-Access-Client-Secret"] = secret
end
