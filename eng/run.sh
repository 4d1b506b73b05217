#!/usr/bin/env bash
# The main job: runs the conformance suite (every check, on both providers) through the AppHost
# and writes the report to artifacts/conformance/conformance-report.{md,json}.
#   eng/run.sh                 against the embedded fakes (CMUX_MODE=fakes, the default)
#   CMUX_MODE=real eng/run.sh  against a real PVE host (see README: nightly mode)
#   eng/run.sh --dashboard     only start the composed stack and its dashboard (http://127.0.0.1:18888)
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
eng/bootstrap.sh || exit 1
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 ASPIRE_ALLOW_UNSECURED_TRANSPORT=true

if [ "${1:-}" = "--dashboard" ]; then
  shift
  dotnet build Cmux.Conformance.sln -nologo -clp:ErrorsOnly || exit 1
  exec dotnet run --no-build --project apphost/Cmux.AppHost --launch-profile http "$@"
fi

results="$root/artifacts/conformance"
rm -rf "$results"
mkdir -p "$results"
eng/build.sh || exit 1
dotnet test conformance/Cmux.Conformance.Tests -c Release --no-build --nologo \
  --filter "FullyQualifiedName~Cmux.Conformance.Tests.Suite" \
  --logger trx --results-directory "$results" "$@"
status=$?
eng/trx-summary.sh "$results" || status=1
[ -f "$results/conformance-report.md" ] && cat "$results/conformance-report.md"
exit $status
