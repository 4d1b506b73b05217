#!/bin/sh
# Regenerates pve-api-subset.json: the {path, info} nodes of the official PVE 8.4 API schema for
# the endpoints the fake implements (everything else answers 501, as PVE does for unknown paths).
#
# The official schema is the data behind the PVE API viewer (https://pve.proxmox.com/pve-docs/api-viewer/):
# the pve-docs package generates it from the API definitions (api-viewer/apidata.js in
# https://github.com/proxmox/pve-docs) and ships it inside the viewer's apidoc.js, served at
# https://pve.proxmox.com/pve-docs/api-viewer/apidoc.js and installed on every PVE host under
# /usr/share/pve-docs/api-viewer/. Those files are JavaScript: save the JSON array they assign
# (a tree of {path, text, info: {METHOD: {...}}, children}) as a .json file of its own, from the
# pve-docs release that matches PVE 8.4, and pass that file here.
#
# Usage: extract-subset.sh path/to/pve-8.4-api-schema.json
set -eu
if [ "$#" -ne 1 ] || [ ! -f "$1" ]; then
  echo "usage: $0 path/to/pve-8.4-api-schema.json" >&2
  echo "  the official PVE 8.4 API schema as JSON (the array in the API viewer's apidoc.js, from pve-docs);" >&2
  echo "  writes pve-api-subset.json next to this script" >&2
  exit 2
fi
schema="$1"
here="$(dirname "$0")"
jq -c '[.. | objects | select(has("path") and has("info"))
  | select(.path | test("^/(version|access/(ticket|permissions)|cluster/(nextid|resources)|nodes|nodes/\\{node\\}/(dns|storage|qemu)|nodes/\\{node\\}/lxc(/\\{vmid\\}(/(config|status/(current|start|stop|shutdown|suspend|resume)|snapshot|template|clone))?)?|nodes/\\{node\\}/tasks/\\{upid\\}/(log|status))$"))
  | if .path == "/nodes/{node}/dns" then .info |= {GET} else . end
  | {path, info}]' "$schema" > "$here/pve-api-subset.json"
