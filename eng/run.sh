#!/usr/bin/env bash
# The main job: runs the conformance suite (every check, on both providers) and writes the report
# to artifacts/conformance/conformance-report.{md,json}.
#   eng/run.sh                 against the embedded fakes (CMUX_MODE=fakes, the default), through
#                              the AppHost under dotnet test; extra arguments go to dotnet test,
#                              e.g. --filter Feature=exec
#   CMUX_MODE=real eng/run.sh  against real endpoints (README: real mode), through the suite's
#                              command line; extra arguments go to it, e.g. --feature exec
#   eng/run.sh --dashboard     only start the composed stack and its dashboard (http://127.0.0.1:18888)
# The composition follows the Cmux:* settings of the environment in every form (README: the
# composition), e.g. Cmux__Router=caddy eng/run.sh, Cmux__Profile=cmux eng/run.sh --dashboard.
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 ASPIRE_ALLOW_UNSECURED_TRANSPORT=true

# CMUX_CONFIG may be where CMUX_MODE is set; the environment wins, as the suite reads it.
mode=${CMUX_MODE:-}
if [ -z "$mode" ] && [ -n "${CMUX_CONFIG:-}" ] && [ -f "$CMUX_CONFIG" ]; then
  mode=$(sed -n 's/^[[:space:]]*CMUX_MODE[[:space:]]*=[[:space:]]*//p' "$CMUX_CONFIG" | tail -n1)
fi

if [ "${1:-}" = "--dashboard" ]; then
  shift
  eng/bootstrap.sh || exit 1
  eng/build.sh || exit 1
  exec dotnet run --no-build -c Release --project apphost/Cmux.AppHost --launch-profile http "$@"
fi

if [ "$mode" = real ]; then
  # Real mode needs none of the machine's test tools: only the build.
  eng/build.sh || exit 1
  exec dotnet conformance/Cmux.Conformance/bin/Release/net10.0/cmux-conformance.dll run "$@"
fi

eng/bootstrap.sh || exit 1
filter="" args=()
while (($#)); do
  case $1 in
    --filter) filter=${2:?--filter needs a value}; shift 2 ;;
    --filter=*) filter=${1#--filter=}; shift ;;
    *) args+=("$1"); shift ;;
  esac
done
own="FullyQualifiedName~Cmux.Conformance.Tests.Suite.ConformanceSuite&Category!=rehearsal"
results="$root/artifacts/conformance"
rm -rf "$results"
mkdir -p "$results"
eng/build.sh || exit 1
dotnet test conformance/Cmux.Conformance.Tests -c Release --no-build --nologo \
  --filter "${filter:+($filter)&}($own)" --logger trx --results-directory "$results" "${args[@]}"
status=$?
eng/trx-summary.sh "$results" || status=1
[ -f "$results/conformance-report.md" ] && cat "$results/conformance-report.md"
exit $status
