#!/usr/bin/env bash
# The main job: bootstraps the machine, builds, and starts the composed stack (AppHost) with
# its dashboard on http://127.0.0.1:18888. Stop it with Ctrl+C (or SIGTERM).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
eng/bootstrap.sh
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
dotnet build Cmux.Conformance.sln -nologo -clp:ErrorsOnly
exec dotnet run --no-build --project apphost/Cmux.AppHost --launch-profile http "$@"
