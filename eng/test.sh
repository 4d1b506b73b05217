#!/usr/bin/env bash
# Runs every test: bootstraps the machine, builds the solution, runs the test assemblies in two
# phases with a TRX logger, and prints one summary line computed from all the TRX files:
#   1. everything but Category=stack, browser and rehearsal, the assemblies side by side;
#   2. Category=stack|browser|rehearsal, in the projects that start the composed stack (StartsStack),
#      one at a time: their checks time sandboxes and carry load through the chain, so nothing else
#      may run then. This is the default composition (Cmux:Profile=seed, Cmux:Router=ours);
#   3. the conformance checks again over each further composition of CMUX_COMPOSITIONS
#      (profile,router pairs, e.g. "cmux,ours seed,caddy"; none by default until each is proven on
#      this machine), one stack each, the report of each in artifacts/conformance/<profile>-<router>/,
#      and the time each composition took.
# Usage: eng/test.sh [extra dotnet test arguments, e.g. --filter Category=unit]; a --filter is
# combined with each phase's own as (yours)&(phase's).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# What each step took, printed before the summary: CI's budget is spent here, step by step.
timings=() step_started=$SECONDS
took() { timings+=("$1 $((SECONDS - step_started)) s"); step_started=$SECONDS; }

eng/bootstrap.sh || exit 1
took bootstrap

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 ASPIRE_ALLOW_UNSECURED_TRANSPORT=true

filter="" args=()
while (($#)); do
  case $1 in
    --filter) filter=${2:?--filter needs a value}; shift 2 ;;
    --filter=*) filter=${1#--filter=}; shift ;;
    *) args+=("$1"); shift ;;
  esac
done

results="$root/artifacts/test-results"
rm -rf "$results" "$root/artifacts/conformance/rehearsal"
mkdir -p "$results"

eng/build.sh || { echo "0 passed, 1 failed"; exit 1; }
took build

phase() { # what to test, its filter, then more dotnet test arguments
  local what=$1 own=$2; shift 2
  dotnet test "$what" -c Release --no-build --nologo --filter "${filter:+($filter)&}($own)" \
    --logger "trx" --logger "console;verbosity=normal" --results-directory "$results" "$@" "${args[@]}"
}
status=0
phase Cmux.Conformance.sln "Category!=stack&Category!=browser&Category!=rehearsal" || status=1
took "unit (every assembly side by side)"
# The projects that start the stack (StartsStack; the trait convention keeps such tests there), one at a time.
for project in $(grep -l '<StartsStack>true</StartsStack>' $(git ls-files '*.Tests.csproj' 2>/dev/null || find . -name '*.Tests.csproj' -not -path '*/bin/*')); do
  phase "$project" "Category=stack|Category=browser|Category=rehearsal" || status=1
  took "stack: $(basename "$project" .csproj)"
done

# Each further composition runs only the suite's checks (one test per check x provider): what the
# composition changes is the chain they go through; the stack's own tests ran above.
for composition in ${CMUX_COMPOSITIONS-}; do
  IFS=, read -r profile router <<<"$composition"
  Cmux__Profile=$profile Cmux__Router=$router CMUX_REPORT_DIR="$root/artifacts/conformance/$profile-$router" \
    phase conformance/Cmux.Conformance.Tests "FullyQualifiedName~Cmux.Conformance.Tests.Suite.ConformanceSuite.Check" || status=1
  took "composition ($profile, $router)"
done

# The nightly's rehearsal leaves its verdicts (fake mode vs real mode, check for check): show them.
verdicts="$root/artifacts/conformance/rehearsal/verdicts.md"
[[ -f $verdicts ]] && { echo "rehearsal verdicts ($verdicts):"; cat "$verdicts"; }

echo "time per step: $(IFS=';'; echo "${timings[*]}" | sed 's/;/, /g'), in all $SECONDS s"
eng/trx-summary.sh "$results" || status=1
exit $status
