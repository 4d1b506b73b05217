#!/bin/sh
# Regenerates pve-api-subset.json: the {path, info} nodes of the official PVE 8.4 API schema for
# the endpoints the fake implements (everything else answers 501, as PVE does for unknown paths).
set -eu
schema="${1:-../../../../shared/spec/pve-8.4-api-schema.json}"
here="$(dirname "$0")"
jq -c '[.. | objects | select(has("path") and has("info"))
  | select(.path | test("^/(version|access/ticket|cluster/(nextid|resources)|nodes|nodes/\\{node\\}/(dns|storage)|nodes/\\{node\\}/lxc(/\\{vmid\\}(/(config|status/(current|start|stop|shutdown|suspend|resume)|snapshot|template|clone))?)?|nodes/\\{node\\}/tasks/\\{upid\\}/(log|status))$"))
  | if .path == "/nodes/{node}/dns" then .info |= {GET} else . end
  | {path, info}]' "$schema" > "$here/pve-api-subset.json"
