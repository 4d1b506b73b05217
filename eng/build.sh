#!/usr/bin/env bash
# Builds what the tests and the main job run: the solution (Release) and the probe the suite
# deploys into sandboxes (conformance/Cmux.Conformance.Probe, native linux-x64) to artifacts/probe/.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build Cmux.Conformance.sln -c Release -nologo -clp:ErrorsOnly
dotnet publish conformance/Cmux.Conformance.Probe -c Release -r linux-x64 -o artifacts/probe -nologo -clp:ErrorsOnly -v:q
