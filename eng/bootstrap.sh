#!/usr/bin/env bash
# Installs and starts, idempotently, what the tests and the main job need on a fresh
# Debian 12 machine: Caddy (the reference router), nginx (the router benchmark's second
# reference), Chromium (the real browser), wrk (the load cross-check),
# the namespace tools the sandboxes use, and the published clients the fakes are driven by
# (python3-proxmoxer).
# Safe to run again: it installs only what is missing. No test uses Docker yet, so it is not
# installed: a clean machine's minutes go to the tests.
set -euo pipefail

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

say "ready"
