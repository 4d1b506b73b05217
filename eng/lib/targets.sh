# Sourced by eng/compare.sh and eng/soak.sh: starts the stack's parts standalone on loopback, as
# apphost/Cmux.AppHost wires them, without Aspire, and stops them at exit. The caller sets
#   root (the repository), work (logs, CA and sandbox data), vmid, domain, script (for messages)
# and calls targets_cleanup from its EXIT trap (after stopping its own clients).
# Each function logs to $work/<name>.log; every process started is in pids (and service_pid[name]).

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
sandbox_ip="127.1.$((vmid / 256)).$((vmid % 256))"
ca="$work/ca"
pids=()
declare -A service_pid

die() { echo "$script: $*" >&2; exit 1; }

need_tools() { # tool... : each must be on PATH
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || die "$tool is missing (eng/bootstrap.sh installs it)"
  done
}

need_free_ports() { # port... : none may be listening
  local p
  for p in "$@"; do
    ! ss -ltn "sport = :$p" | grep -q LISTEN || die "port $p is taken; set the script's PORT_BASE"
  done
}

targets_cleanup() {
  [[ -n ${control_port:-} ]] && curl -s -o /dev/null -m 5 -X DELETE "http://127.0.0.1:$control_port/sandboxes/$vmid" || true
  local pid
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  for pid in "${pids[@]}"; do wait "$pid" 2>/dev/null || true; done
}

dll() { echo "$root/$1/bin/Release/net10.0/$(basename "$1").dll"; }

start() { # name command... : a service in the background, logs to $work/name.log, stopped by targets_cleanup
  local name=$1; shift
  "$@" >"$work/$name.log" 2>&1 &
  pids+=($!)
  service_pid[$name]=$!
}

wait_for() { # name seconds curl-args... : until curl succeeds (-f: a 2xx answer), or fail
  local name=$1 deadline=$((SECONDS + $2)); shift 2
  until curl -sf -o /dev/null -m 2 "$@"; do
    ((SECONDS < deadline)) || die "$name did not answer ($*) within the time allowed (log: $work/$name.log)"
    sleep 0.2
  done
}

build_targets() {
  echo "== building (Release)"
  local project
  for project in load/Cmux.Load fakes/Cmux.Fakes.Sandbox services/Cmux.Router \
    fakes/Cmux.Fakes.Cloudflare services/Cmux.Provisioning fakes/Cmux.Fakes.Edge; do
    dotnet build "$project" -c Release -nologo -clp:ErrorsOnly -v:q >/dev/null || die "$project does not build"
  done
}

start_sandbox() { # control-port: the sandbox host and sandbox $vmid (its web server on :39378, execd on :39375)
  control_port=$1
  echo "== sandbox host on 127.0.0.1:$control_port, sandbox $vmid on $sandbox_ip"
  start sandboxes env ASPNETCORE_URLS="http://127.0.0.1:$control_port" dotnet "$(dll fakes/Cmux.Fakes.Sandbox)" \
    --Sandbox:DataDir="$work/sandboxes"
  wait_for sandboxes 60 "http://127.0.0.1:$control_port/health"
  curl -sf -o /dev/null -X PUT -H 'Content-Type: application/json' -d "{\"hostname\":\"cmux-$vmid\"}" "http://127.0.0.1:$control_port/sandboxes/$vmid"
  curl -sf -o /dev/null -X POST "http://127.0.0.1:$control_port/sandboxes/$vmid/start"
  hosts="$work/sandboxes/hosts"
  wait_for sandboxes 30 "http://$sandbox_ip:39378/_cmux/info"
}

start_router() { # port management-port: our router on the sandbox host's hosts file
  router_port=$1
  echo "== router on 127.0.0.1:$router_port"
  # Health answers only on a management port (never where traffic is served), as the AppHost composes it.
  start router env ASPNETCORE_URLS="http://127.0.0.1:$1;http://127.0.0.1:$2" \
    Management__Port="$2" dotnet "$(dll services/Cmux.Router)" \
    --Router:HostsFile="$hosts" --Router:HostsFileOnly=true
  wait_for router 60 "http://127.0.0.1:$2/health"
}

# The edge chain: the Cloudflare API fake, the tunnel setup against it (ingress *.domain -> our
# router, proxied wildcard CNAME, Access if asked), then the edge reading that configuration and
# serving a leaf from the run's CA (one CA for every edge of the run: $ca).
#   start_edge_chain name api-port edge-https-port edge-http-port edge-management-port access(0|1)
# Sets ${name}_headers (dashes as underscores) (an array: the service token's two headers, empty without Access),
# client_id and client_secret (with Access).
start_edge_chain() {
  local name=$1 api_port=$2 https_port=$3 http_port=$4 management_port=$5 access=$6
  local api="http://127.0.0.1:$api_port/client/v4" api_token="$script-token"
  local account=00000000000000000000000000c0ffee zone=0000000000000000000000000000c0de
  local cloudflare=cloudflare${name#edge} setup="$work/tunnel-setup${name#edge}"
  echo "== Cloudflare API fake on 127.0.0.1:$api_port"
  start "$cloudflare" env ASPNETCORE_URLS="http://127.0.0.1:$api_port" dotnet "$(dll fakes/Cmux.Fakes.Cloudflare)" \
    --Cloudflare:Tokens:0="$api_token" --Cloudflare:AccountId="$account" --Cloudflare:ZoneId="$zone" --Cloudflare:ZoneName="$domain"
  wait_for "$cloudflare" 60 "http://127.0.0.1:$api_port/health"

  echo "== tunnel setup (router origin http://127.0.0.1:$router_port, Access $( ((access)) && echo on || echo off))"
  timeout 120 dotnet "$(dll services/Cmux.Provisioning)" \
    --Provisioning:ApiBaseUrl="$api" --Provisioning:ApiToken="$api_token" --Provisioning:AccountId="$account" \
    --Provisioning:ZoneId="$zone" --Provisioning:Domain="$domain" \
    --Provisioning:RouterOrigin="http://127.0.0.1:$router_port" \
    --Provisioning:Access="$( ((access)) && echo true || echo false)" \
    --Provisioning:OutputFile="$setup.json" >"$setup.log" 2>&1 ||
    die "the tunnel setup failed (log: $setup.log)"
  local -n headers="${name//-/_}_headers"
  headers=()
  if ((access)); then
    read -r client_id client_secret <<<"$(jq -r '(.service_token // .new_service_token) | "\(.client_id) \(.client_secret)"' "$setup.json")"
    [[ $client_id != null && $client_secret != null ]] || die "the tunnel setup wrote no service token ($setup.json)"
    headers=(-H "CF-Access-Client-Id: $client_id" -H "CF-Access-Client-Secret: $client_secret")
  fi

  echo "== $name on 127.0.0.1:$https_port (https), CA $ca"
  start "$name" env ASPNETCORE_URLS="https://127.0.0.1:$https_port;http://127.0.0.1:$http_port;http://127.0.0.1:$management_port" \
    Management__Port="$management_port" dotnet "$(dll fakes/Cmux.Fakes.Edge)" --Tls:CaDirectory="$ca" --Edge:CloudflareApi="$api" \
    --Edge:Domain="$domain" --Edge:ApiToken="$api_token" --Edge:AccountId="$account" --Edge:ZoneId="$zone" \
    --Edge:HttpsPort="$https_port"
  wait_for "$name" 60 "http://127.0.0.1:$management_port/health"
  # It re-reads the tunnel's ingress every second: wait until it routes the sandbox's name.
  local web="port-39378-vm-$vmid.$domain"
  wait_for "$name" 30 --cacert "$ca/ca.pem" --resolve "$web:$https_port:127.0.0.1" "${headers[@]}" "https://$web:$https_port/_cmux/info"
}
