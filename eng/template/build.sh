#!/usr/bin/env bash
# Builds the sandbox template offline, the way a PVE LXC template is made: a Debian 12 minbase
# root filesystem from debootstrap, with the real in-sandbox servers installed from the registries
# (Debian packages from this machine's mirror, npm packages from the configured npm registry, and
# our execd published from the repo). Output under $CMUX_TEMPLATE_ROOT (default
# /var/tmp/cmux-template), keyed by a hash of the recipe: a second run with the same recipe only
# reports the cached result. When a Docker daemon answers, the rootfs is imported as the image
# cmux-template:<hash> (docker import: nothing is pulled).
# Installs on the host, only if missing: debootstrap (apt).
# Usage: eng/template/build.sh   (as root; heavy steps run under nice/ionice)
#        eng/template/build.sh --print-image   prints cmux-template:<hash> for this recipe and exits
#        (builds nothing; what the Docker sandbox runtime's tests and the AppHost ask for)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(cd "$here/../.." && pwd)
out_root=${CMUX_TEMPLATE_ROOT:-/var/tmp/cmux-template}
export DOCKER_API_VERSION=${DOCKER_API_VERSION:-1.41}
say() { printf 'template: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }
low() { nice -n 19 ionice -c3 "$@"; }

# The recipe: this folder's files and the sources of execd, the projects it references and the
# repository's build settings (sorted bytewise, so the hash does not depend on the caller's locale).
execd_sources=(services/Cmux.Execd services/Cmux.Contract services/Cmux.ServiceDefaults
  global.json .editorconfig Directory.Build.props Directory.Build.targets Directory.Packages.props)
hash=$( { cd "$repo" && find eng/template "${execd_sources[@]}" \
            -type f ! -path '*/bin/*' ! -path '*/obj/*' ! -name README.md -print0 | LC_ALL=C sort -z | xargs -0 sha256sum; } \
        | sha256sum | cut -c1-12)
dir=$out_root/$hash
rootfs=$dir/rootfs
image=cmux-template:$hash
if [ "${1:-}" = --print-image ]; then echo "$image"; exit 0; fi
[ "$(id -u)" = 0 ] || die "run as root (debootstrap and chroot need it)"
docker_up() { command -v docker >/dev/null && timeout 10 docker info >/dev/null 2>&1; }

import_image() {
  docker_up || { say "no Docker daemon answers: the image is not imported (rootfs at $rootfs)"; return 0; }
  if docker image inspect "$image" >/dev/null 2>&1; then say "image $image present"; return 0; fi
  say "importing $image"
  tar -C "$rootfs" -c . | low docker import --change 'CMD ["/opt/cmux/init.sh"]' \
      --change 'ENV PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin' - "$image" >/dev/null
}
report() {
  say "template $hash: rootfs $rootfs ($(du -sh "$rootfs" | cut -f1))"
  docker_up && docker image inspect "$image" >/dev/null 2>&1 && \
    say "image $image ($(docker image inspect -f '{{.Size}}' "$image" | awk '{printf "%.0f MB", $1/1e6}'))"
  return 0
}

if [ -f "$dir/done" ]; then
  say "cached: recipe $hash built $(cat "$dir/done")"
  import_image; report; exit 0
fi

command -v debootstrap >/dev/null || { say "installing debootstrap (apt)"; low apt-get install -y debootstrap >/dev/null; }

# The mirror this machine's apt uses: URIs of the entry whose Suites has bookworm.
mirror=
if [ -f /etc/apt/sources.list.d/debian.sources ]; then
  mirror=$(awk 'BEGIN{RS=""} /Suites:[^\n]*bookworm( |\n|$)/ && !/bookworm-security/ { if (match($0, /URIs: *[^ \n]+/)) { s=substr($0, RSTART, RLENGTH); sub(/URIs: */, "", s); print s; exit } }' /etc/apt/sources.list.d/debian.sources)
fi
[ -n "$mirror" ] || mirror=$(awk '$1=="deb" && $3=="bookworm" {print $2; exit}' /etc/apt/sources.list 2>/dev/null || true)
[ -n "$mirror" ] || die "no bookworm mirror found in the apt sources"
say "recipe $hash; mirror $mirror"

rm -rf "$dir"; mkdir -p "$dir"
start=$(date +%s)
cleanup() {
  for m in dev/pts dev proc; do mountpoint -q "$rootfs/$m" 2>/dev/null && umount -l "$rootfs/$m"; done; return 0
}
trap cleanup EXIT

say "debootstrap --variant=minbase bookworm"
low debootstrap --variant=minbase bookworm "$rootfs" "$mirror" >"$dir/debootstrap.log" 2>&1 || die "debootstrap failed: $dir/debootstrap.log"
t_debootstrap=$(( $(date +%s) - start ))

mount -t proc proc "$rootfs/proc"; mount --bind /dev "$rootfs/dev"; mount --bind /dev/pts "$rootfs/dev/pts"
cp /etc/resolv.conf "$rootfs/etc/resolv.conf"
in_root() { low chroot "$rootfs" /usr/bin/env -i HOME=/root PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive "$@"; }

say "apt: $(grep -v '^#' "$here/debian-packages.txt" | xargs)"
in_root apt-get update >"$dir/apt.log" 2>&1
in_root apt-get install -y --no-install-recommends $(grep -v '^#' "$here/debian-packages.txt" | xargs) >>"$dir/apt.log" 2>&1 \
  || die "apt-get install failed: $dir/apt.log"
in_root apt-get clean

registry=$(npm config get registry 2>/dev/null || echo https://registry.npmjs.org/)
say "npm ($registry): $(grep -v '^#' "$here/npm-packages.txt" | xargs)"
mkdir -p "$rootfs/opt/cmux/node" "$rootfs/opt/cmux/preview"
echo '{"name":"cmux-template-node","private":true}' >"$rootfs/opt/cmux/node/package.json"
# The host's CA bundle, so npm in the chroot trusts what the host's npm trusts (removed after).
cp /etc/ssl/certs/ca-certificates.crt "$rootfs/tmp/host-ca.crt"
in_root sh -c "cd /opt/cmux/node && npm install --no-audit --no-fund --cafile /tmp/host-ca.crt --registry '$registry' $(grep -v '^#' "$here/npm-packages.txt" | xargs)" >"$dir/npm.log" 2>&1 \
  || die "npm install failed: $dir/npm.log"
rm -rf "$rootfs/root/.npm" "$rootfs/root/.cache" "$rootfs/tmp/host-ca.crt"

install -m 0755 "$here/init.sh" "$rootfs/opt/cmux/init.sh"
install -m 0644 "$here/socketio-server.js" "$here/terminal-server.js" "$here/vscode-standin.js" "$here/devtools-proxy.js" "$rootfs/opt/cmux/"
install -m 0644 "$here/preview-index.html" "$rootfs/opt/cmux/preview/index.html"
install -m 0644 "$here/vite.config.mjs" "$rootfs/opt/cmux/preview/vite.config.mjs"

# From a copy of the sources: a runtime-specific restore in the repository would rewrite the
# obj/ folders a build of the solution beside this one is reading (eng/test.sh runs the two at once).
say "execd: dotnet publish -r linux-x64 --self-contained"
rm -rf "$dir/src" && mkdir -p "$dir/src"
(cd "$repo" && tar -c --exclude=bin --exclude=obj "${execd_sources[@]}") | tar -x -C "$dir/src"
low dotnet publish "$dir/src/services/Cmux.Execd/Cmux.Execd.csproj" -c Release -r linux-x64 --self-contained \
    -p:InvariantGlobalization=true -o "$rootfs/opt/cmux/execd" >"$dir/execd.log" 2>&1 || die "execd publish failed: $dir/execd.log"

rm -rf "$dir/src"
cleanup
: >"$rootfs/etc/resolv.conf"
echo "cmux-template" >"$rootfs/etc/hostname"
took=$(( $(date +%s) - start ))
echo "$(date -u +%FT%TZ) in ${took}s (debootstrap ${t_debootstrap}s)" >"$dir/done"
say "built in ${took}s (debootstrap ${t_debootstrap}s)"
import_image; report
