#!/usr/bin/env bash
# Installs and starts, idempotently, what the tests and the main job need on a fresh
# Debian 12 machine: Caddy (the reference router), nginx (the router benchmark's second
# reference), Chromium (the real browser), wrk (the load cross-check),
# the namespace tools the sandboxes use, and the published clients the fakes are driven by
# (python3-proxmoxer); with CMUX_DOCKER=1 (eng/test.sh's default) also Docker (Debian's docker.io
# daemon, started here) and debootstrap, for the sandbox template the docker tests run
# (eng/template), when it runs as root; otherwise it says the docker tests will be skipped.
# Safe to run again: it installs only what is missing and starts only what is not running.
set -euo pipefail

export PATH="$PATH:/usr/sbin:/sbin"  # dockerd and debootstrap live there

say() { printf 'bootstrap: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

command -v dotnet >/dev/null || die "the .NET SDK 10 is missing: install it (https://dot.net) and run again."

# command -> Debian package
declare -A needed=(
  [caddy]=caddy
  [nginx]=nginx
  [chromium]=chromium
  [wrk]=wrk
  [unshare]=util-linux
  [ip]=iproute2
  [curl]=curl
  [certutil]=libnss3-tools
)
missing=()
for cmd in "${!needed[@]}"; do
  command -v "$cmd" >/dev/null 2>&1 || missing+=("${needed[$cmd]}")
done
# Docker is wanted, not needed: without it the docker tests report themselves skipped and why.
docker_missing=()
if [ "${CMUX_DOCKER:-0}" = 1 ]; then
  command -v dockerd >/dev/null 2>&1 || docker_missing+=(docker.io)
  command -v debootstrap >/dev/null 2>&1 || docker_missing+=(debootstrap)
  if ((${#docker_missing[@]})) && [ "$(id -u)" != 0 ]; then
    say "not installing ${docker_missing[*]} (that needs root): the docker tests will be skipped; CMUX_DOCKER=0 says you know"
  else
    missing+=("${docker_missing[@]}")
  fi
fi
# Python modules of Debian's interpreter -> Debian package: the published clients the fakes are
# driven by (python3-proxmoxer for the PVE fake; it needs requests, which it only recommends;
# python3-cloudflare for the Cloudflare fake).
declare -A modules=(
  [proxmoxer]=python3-proxmoxer
  [requests]=python3-requests
  [CloudFlare]=python3-cloudflare
)
for module in "${!modules[@]}"; do
  /usr/bin/python3 -c "import $module" >/dev/null 2>&1 || missing+=("${modules[$module]}")
done

if ((${#missing[@]})); then
  [ "$(id -u)" = 0 ] || die "missing ${missing[*]}, and installing them needs root: run 'sudo apt-get install -y ${missing[*]}' or run this script as root."
  command -v apt-get >/dev/null || die "missing ${missing[*]}, and this machine has no apt-get: install them with its package manager."
  say "installing ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || die "apt-get update failed: is a Debian mirror reachable?"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null || die "apt-get install ${missing[*]} failed."
fi

# Debian starts a system Caddy on :80 when it installs it; the tests run their own.
if command -v systemctl >/dev/null && systemctl is-active --quiet caddy 2>/dev/null; then
  systemctl stop caddy >/dev/null 2>&1 || true
fi
pkill -x caddy -u root -f '/etc/caddy/Caddyfile' >/dev/null 2>&1 || true
# Likewise a system nginx on :80: the benchmark runs its own with a configuration of its own.
if command -v systemctl >/dev/null && systemctl is-active --quiet nginx 2>/dev/null; then
  systemctl stop nginx >/dev/null 2>&1 || true
elif [ -s /run/nginx.pid ] && command -v nginx >/dev/null; then
  nginx -s quit >/dev/null 2>&1 || true
fi

# Docker's daemon, for the docker tests: Debian's 20.10 speaks API 1.41, newer clients ask more.
export DOCKER_API_VERSION=1.41
docker_answers() { command -v docker >/dev/null && timeout 10 docker info >/dev/null 2>&1; }
if [ "${CMUX_DOCKER:-0}" = 1 ] && ! docker_answers && command -v dockerd >/dev/null; then
  if [ "$(id -u)" != 0 ]; then
    say "Docker's daemon does not answer this user (not running: starting it needs root, 'sudo dockerd &'; or its socket is not this user's): the docker tests will be skipped"
  else
    say "starting dockerd (log: /var/log/cmux-dockerd.log)"
    (umask 077; setsid dockerd >/var/log/cmux-dockerd.log 2>&1 < /dev/null &)
    for _ in $(seq 1 60); do docker_answers && break; sleep 0.5; done
    # The docker tests say they were skipped, and why, when no daemon answers: not a reason to stop.
    docker_answers || say "dockerd did not answer within 30 s (see /var/log/cmux-dockerd.log): the docker tests will be skipped"
  fi
fi

say "ready"
