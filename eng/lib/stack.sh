# Sourced by eng/bench-stack.sh, eng/bench-router.sh, eng/compare.sh and eng/soak.sh: starts the
# composed stack as a user starts it, the AppHost dll (apphost/Cmux.AppHost: CmuxStackBuilder, the
# same composition code and Cmux:* keys as the suite and the dashboard), once or several times side
# by side, and stops every one at exit. Each stack has its own run and sandbox folders, dashboard,
# OTLP and resource-service ports, PVE vmid and Morph sandbox ids: a process sandbox's loopback
# address is its id's (127.1.x.y), so two stacks must never hand out the same one. Every resource
# inherits its AppHost's environment: the caller's Cmux__* keys hold for every stack, and
# stack_start's NAME=value words for one.
#
# The caller sets root, script (for messages) and work (a folder per stack goes under it) and calls
# stacks_stop from its EXIT trap, after stopping its own clients.
#   stacks_build [project...]           the AppHost (Release), and the projects the caller runs itself
#   stack_start NAME VMID [NAME=value]  one AppHost in the background; its console in $work/NAME/apphost.log
#   stacks_up NAME...                   waits until each is up, creates its sandbox (vmid VMID) through
#                                       the PVE fake as the dashboard's "Create sandbox" does, and waits
#                                       until the sandbox answers through the router and the edge
# Then, per stack: stack_router[NAME], stack_edge[NAME], stack_pve[NAME] (host:port on loopback;
# stack_edge empty without the Cloudflare fakes), stack_ip[NAME] (the sandbox's address),
# stack_ca[NAME] (the run CA's pem), stack_client_id[NAME] and stack_client_secret[NAME] (the Access
# service token; empty with Cmux:Access=false), stack_run[NAME] (its run folder);
# `stack_host NAME PORT` prints the sandbox port's public name, `stack_curl_access NAME` the token
# as curl's config for -K - (on stdin).

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
stack_domain=example.test       # the fake Cloudflare account's zone (fakes/Cmux.Fakes.Cloudflare/FakeAccount.cs)
stack_web_port=39378            # the VS Code stand-in: a page every sandbox serves, test endpoints or not
stack_names=()
declare -A stack_pid stack_vmid stack_run stack_router stack_edge stack_pve stack_ip stack_ca \
  stack_client_id stack_client_secret stack_name_part stack_profile stack_under
stack_ports_taken=" "

die() { echo "$script: $*" >&2; exit 1; }

need_tools() { # tool... : each must be on PATH
  local tool
  for tool in "$@"; do
    command -v "$tool" >/dev/null || die "'$tool' is missing (eng/bootstrap.sh installs it)"
  done
}

stacks_build() { # project folder... beside the AppHost
  echo "== building (Release)"
  local project
  for project in apphost/Cmux.AppHost "$@"; do
    dotnet build "$root/$project" -c Release -nologo -clp:ErrorsOnly -v:q >/dev/null || die "$project does not build"
  done
}

stack_free_port() { # a loopback port nothing listens on and no stack of this run was given
  local p
  while :; do
    p=$((20000 + RANDOM % 10000))
    [[ $stack_ports_taken == *" $p "* ]] && continue
    ss -ltn "sport = :$p" | grep -q LISTEN && continue
    stack_ports_taken+="$p "
    echo "$p"
    return
  done
}

stack_start() { # NAME VMID [NAME=value...]
  local name=$1 vmid=$2; shift 2
  local dir="$work/$name" index=${#stack_names[@]}
  [[ $vmid =~ ^[0-9]+$ ]] && ((vmid >= 1 && vmid <= 9999)) || die "stack $name: vmid must be 1..9999, not '$vmid'"
  rm -rf "$dir" && mkdir -p "$dir"
  local dashboard otlp resources
  # Not in a command substitution's subshell, which would forget the ports it handed out.
  stack_free_port >"$dir/port"; dashboard=$(<"$dir/port")
  stack_free_port >"$dir/port"; otlp=$(<"$dir/port")
  stack_free_port >"$dir/port"; resources=$(<"$dir/port")
  rm -f "$dir/port"
  local settings=("$@") word
  for word in "${settings[@]}"; do [[ $word == [A-Za-z_]*=* ]] || die "stack $name: '$word' is not NAME=value"; done
  # Morph's instances are process sandboxes too: each stack 100 ids from 40000, away from the
  # vmids (below 10000) and from eng/test.sh's jobs (50000..64999) and fixtures (64600, 65000).
  local morph=$((40000 + index * 100))
  # The profile decides the sandbox's public name; a NAME=value word wins over the caller's environment.
  local profile=${Cmux__Profile:-seed}
  for word in "${settings[@]}"; do [[ $word == Cmux__Profile=* ]] && profile=${word#*=}; done
  env Cmux__RunDirectory="$dir/run" Cmux__SandboxDirectory="$dir/sandboxes" \
    Morph__FirstSandboxId=$morph Morph__LastSandboxId=$((morph + 99)) \
    ASPNETCORE_URLS="http://127.0.0.1:$dashboard" ASPIRE_DASHBOARD_OTLP_HTTP_ENDPOINT_URL="http://127.0.0.1:$otlp" \
    ASPIRE_RESOURCE_SERVICE_ENDPOINT_URL="http://127.0.0.1:$resources" ASPIRE_ALLOW_UNSECURED_TRANSPORT=true \
    DOTNET_ENVIRONMENT=Development ASPNETCORE_ENVIRONMENT=Development "${settings[@]}" \
    dotnet "$root/apphost/Cmux.AppHost/bin/Release/net10.0/Cmux.AppHost.dll" >"$dir/apphost.log" 2>&1 &
  stack_pid[$name]=$!
  stack_names+=("$name")
  stack_vmid[$name]=$vmid
  stack_run[$name]="$dir/run"
  stack_ca[$name]="$dir/run/ca/ca.pem"
  stack_profile[$name]=${profile,,}
  echo "== stack $name: AppHost pid ${stack_pid[$name]}, vmid $vmid, dashboard http://127.0.0.1:$dashboard${settings[*]:+, ${settings[*]}}"
}

stack_endpoint() { # NAME resource endpoint -> its URL, or nothing yet
  jq -r --arg r "$2" --arg e "$3" '.[$r][$e] // empty' "${stack_run[$1]}/endpoints.json" 2>/dev/null || true
}

stack_hostport() { sed -E 's#^[a-z]+://##; s#/.*$##; s#^localhost:#127.0.0.1:#' <<<"$1"; }

stack_host() { echo "port-$2-${stack_name_part[$1]}.$stack_domain"; } # NAME PORT

stack_access() { # NAME -> whether its sandboxes are behind Access (composition.json, written before any resource starts)
  [[ $(jq -r '.access // "on"' "${stack_run[$1]}/composition.json" 2>/dev/null) == on* ]]
}

stack_wait_up() { # NAME: endpoints allocated, the tunnel setup's service token written (with Access)
  local name=$1 deadline=$((SECONDS + 300)) run=${stack_run[$1]}
  until [[ -f $run/composition.json && -n $(stack_endpoint "$name" router http) && -n $(stack_endpoint "$name" pve http) ]] &&
    { ! stack_access "$name" || jq -e '(.service_token // .new_service_token).client_secret | strings' "$run/tunnel-setup.json" >/dev/null 2>&1; }; do
    kill -0 "${stack_pid[$name]}" 2>/dev/null || die "stack $name: the AppHost exited (log: $work/$name/apphost.log)"
    ((SECONDS < deadline)) || die "stack $name was not up within 300 s (log: $work/$name/apphost.log)"
    sleep 0.5
  done
  stack_pve[$name]=$(stack_hostport "$(stack_endpoint "$name" pve http)")
  stack_router[$name]=$(stack_hostport "$(stack_endpoint "$name" router http)")
  stack_edge[$name]=$(stack_hostport "$(stack_endpoint "$name" edge https)")
  stack_client_id[$name]="" stack_client_secret[$name]=""
  if stack_access "$name"; then
    read -r "stack_client_id[$name]" "stack_client_secret[$name]" \
      <<<"$(jq -r '(.service_token // .new_service_token) | "\(.client_id) \(.client_secret)"' "$run/tunnel-setup.json")"
  fi
}

stack_curl_access() { # NAME -> curl's config (-K -) with the stack's service token; nothing without Access.
  # On stdin, so the token's secret is never on a command line.
  [[ -n ${stack_client_secret[$1]} ]] || return 0
  printf 'header = "CF-Access-Client-Id: %s"\nheader = "CF-Access-Client-Secret: %s"\n' "${stack_client_id[$1]}" "${stack_client_secret[$1]}"
}

stack_answers() { # NAME: the sandbox's page through the router and, if there is one, the edge
  local name=$1 host edge=${stack_edge[$1]}
  host=$(stack_host "$name" "$stack_web_port")
  curl -sf -o /dev/null -m 2 -H "Host: $host" "http://${stack_router[$name]}/" || return 1
  [[ -z $edge ]] && return 0
  stack_curl_access "$name" | curl -sf -o /dev/null -m 2 --cacert "${stack_ca[$name]}" --resolve "$host:${edge#*:}:127.0.0.1" -K - "https://$host:${edge#*:}/"
}

stacks_up() { # NAME...
  local name hostname clones="" pid
  for name in "$@"; do stack_wait_up "$name"; done
  # The clones in parallel: each is a PVE task pair plus a sandbox start, seconds apiece.
  for name in "$@"; do
    hostname=null
    [[ ${stack_profile[$name]} == cmux ]] && hostname="\"pvelxc-$(printf '%08x' $((RANDOM * 32768 + RANDOM)))\""
    curl -sf -m 300 -X POST -H 'Content-Type: application/json' -d "{\"hostname\":$hostname,\"vmid\":${stack_vmid[$name]}}" \
      "http://${stack_pve[$name]}/_fake/containers" >"$work/$name/sandbox.json" 2>"$work/$name/sandbox.err" &
    clones+=" $!"
  done
  for pid in $clones; do wait "$pid" || true; done
  for name in "$@"; do
    jq -e .vmid "$work/$name/sandbox.json" >/dev/null 2>&1 ||
      die "stack $name: the PVE fake did not create sandbox ${stack_vmid[$name]}: $(cat "$work/$name/sandbox.json" "$work/$name/sandbox.err" 2>/dev/null) (log: $work/$name/apphost.log)"
    stack_ip[$name]=$(jq -r .address "$work/$name/sandbox.json")
    if [[ ${stack_profile[$name]} == cmux ]]; then
      stack_name_part[$name]=$(jq -r .hostname "$work/$name/sandbox.json")
    else
      stack_name_part[$name]="vm-${stack_vmid[$name]}"
    fi
  done
  local deadline=$((SECONDS + 120))
  # The edge re-reads the tunnel's ingress every second, Caddy its hosts file every 5 s: wait until both answer.
  for name in "$@"; do
    until stack_answers "$name"; do
      ((SECONDS < deadline)) || die "stack $name: sandbox ${stack_vmid[$name]} did not answer through the router and the edge within 120 s"
      sleep 0.2
    done
    echo "== stack $name: sandbox ${stack_vmid[$name]} on ${stack_ip[$name]} ($(stack_host "$name" "$stack_web_port")), router ${stack_router[$name]}${stack_edge[$name]:+, edge ${stack_edge[$name]}}"
  done
}

stack_descendants() { # AppHost pid -> every process under it, and under the DCP it started detached (--monitor <pid>)
  ps -eo pid=,ppid=,args= | awk -v root="$1" '
    { parent[$1] = $2; line[$1] = $0 }
    END {
      for (p in line) if (line[p] ~ ("--monitor " root "( |$)")) mark[p] = 1
      mark[root] = 1
      do { grew = 0; for (p in parent) if (!(p in mark) && (parent[p] in mark)) { mark[p] = 1; grew = 1 } } while (grew)
      for (p in mark) if (p != root && (p in line)) print p
    }'
}

stack_process() { # NAME pattern -> the pid of the stack's process whose command line matches (an extended regex)
  local pid
  for pid in $(stack_descendants "${stack_pid[$1]}"); do
    if tr '\0' ' ' </proc/"$pid"/cmdline 2>/dev/null | grep -Eq -- "$2"; then echo "$pid"; return; fi
  done
}

stacks_stop() { # every AppHost with SIGTERM, as a user's Ctrl-C; then every process that was under one must be gone
  local name under="" alive="" pid
  ((${#stack_names[@]})) || return 0
  for name in "${stack_names[@]}"; do under+=" $(stack_descendants "${stack_pid[$name]}" | tr '\n' ' ')"; done
  for name in "${stack_names[@]}"; do kill -TERM "${stack_pid[$name]}" 2>/dev/null || true; done
  for name in "${stack_names[@]}"; do wait "${stack_pid[$name]}" 2>/dev/null || true; done
  for _ in $(seq 1 150); do
    alive=$(for pid in $under; do if kill -0 "$pid" 2>/dev/null; then echo -n "$pid "; fi; done)
    [[ -z $alive ]] && break
    sleep 0.2
  done
  if [[ -n $alive ]]; then
    echo "$script: still alive 30 s after SIGTERM, killed: $(ps -o pid=,args= -p "${alive// /,}" 2>/dev/null | cut -c1-120 | paste -sd';')" >&2
    kill -KILL $alive 2>/dev/null || true
  else
    echo "== ${#stack_names[@]} AppHost(s) stopped; the $(wc -w <<<"$under") processes under them are gone"
  fi
  stack_names=()
}
