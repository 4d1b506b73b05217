#!/usr/bin/env bash
# Runs every test: bootstraps the machine, builds the solution, runs `dotnet test` with a TRX
# logger, and prints one summary line computed from the TRX files.
# Usage: eng/test.sh [extra dotnet test arguments, e.g. --filter Category=unit]
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

eng/bootstrap.sh || exit 1

export DOCKER_API_VERSION=1.41 TESTCONTAINERS_RYUK_DISABLED=true TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 ASPIRE_ALLOW_UNSECURED_TRANSPORT=true

results="$root/artifacts/test-results"
rm -rf "$results"
mkdir -p "$results"

eng/build.sh || { echo "0 passed, 1 failed"; exit 1; }
dotnet test Cmux.Conformance.sln -c Release --no-build --nologo \
  --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" "$@"
status=$?

eng/trx-summary.sh "$results" || status=1
exit $status
