#!/usr/bin/env bash
# Runs every test: bootstraps the machine, builds the solution, runs the test assemblies in two
# phases with a TRX logger, and prints one summary line computed from all the TRX files:
#   1. everything but Category=stack, browser and rehearsal, the assemblies side by side;
#   2. Category=stack|browser|rehearsal, in the projects that start the composed stack (StartsStack),
#      side by side, in the default composition (Cmux:Profile=seed, Cmux:Router=ours), the console
#      log of each in artifacts/test-results/<project>.console.log;
#   3. the PVE checks over each further composition of CMUX_COMPOSITIONS (profile,router pairs;
#      "cmux,ours seed,caddy" by default, "" for none), side by side, one stack each, the report and
#      console log of each in artifacts/conformance/<profile>-<router>/.
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

phase() { # what to test, its filter, then more dotnet test arguments; $trx names the TRX file
  local what=$1 own=$2; shift 2
  dotnet test "$what" -c Release --no-build --nologo --filter "${filter:+($filter)&}($own)" \
    --logger "trx${trx:+;LogFileName=$trx}" --logger "console;verbosity=normal" --results-directory "$results" "$@" "${args[@]}"
}
status=0
phase Cmux.Conformance.sln "Category!=stack&Category!=browser&Category!=rehearsal" || status=1
took "unit (every assembly side by side)"

# Side by side: each job its own stack, its own vmids (so its sandboxes take other loopback
# addresses) and its own console log; join waits for them all and prints what each counted.
pids=() labels=()
beside() { # label, console log, NAME=value... for the job's environment, then the phase's arguments
  local label=$1 log=$2; shift 2
  ( while [[ $1 == *=* ]]; do export "${1?}"; shift; done; phase "$@" ) >"$log" 2>&1 &
  pids+=($!) labels+=("$label|$log")
}
join() {
  for i in "${!pids[@]}"; do
    wait "${pids[$i]}" || status=1
    IFS='|' read -r label log <<<"${labels[$i]}"
    echo "$label: $(grep -E '^ *(Total tests|Passed|Failed|Skipped):' "$log" | tr -s ' ' | paste -sd' ') (log: $log)"
    grep -E -A12 '^\s+Failed ' "$log"
  done
  pids=() labels=()
}

# The projects that start the stack (StartsStack; the trait convention keeps such tests there), side
# by side: what they wait on is mostly sandboxes and timeouts, not this machine's two cores.
vmid=200 names=()
for project in $(grep -l '<StartsStack>true</StartsStack>' $(git ls-files '*.Tests.csproj' 2>/dev/null || find . -name '*.Tests.csproj' -not -path '*/bin/*')); do
  name=$(basename "$project" .csproj)
  beside "stack: $name" "$results/$name.console.log" \
    CMUX_PVE_FIRST_VMID=$vmid trx=$name.trx "$project" "Category=stack|Category=browser|Category=rehearsal"
  names+=("$name") vmid=$((vmid + 400))
done
join
((${#names[@]})) && took "stack, side by side (${names[*]})"

# Each further composition of CMUX_COMPOSITIONS runs only the PVE provider's checks (one test per
# check): what a composition changes is the PVE chain (router, execd, profile); Morph's path is the
# same in every one and ran in the default composition. They run side by side, each with its own
# stack and vmids, after the projects above: the dashboard's browser test and the suite's load run,
# beside two more stacks, once missed their deadlines on this 2-core machine.
compositions=${CMUX_COMPOSITIONS-cmux,ours seed,caddy}
vmid=300
for composition in $compositions; do
  IFS=, read -r profile router <<<"$composition"
  dir="$root/artifacts/conformance/$profile-$router"
  rm -rf "$dir" && mkdir -p "$dir"
  beside "composition ($composition), PVE checks" "$dir/console.log" \
    Cmux__Profile=$profile Cmux__Router=$router CMUX_REPORT_DIR="$dir" CMUX_PVE_FIRST_VMID=$vmid trx=composition-$profile-$router.trx \
    conformance/Cmux.Conformance.Tests "FullyQualifiedName~Cmux.Conformance.Tests.Suite.ConformanceSuite.Check&Provider=pve"
  vmid=$((vmid + 100))
done
join
[[ -n $compositions ]] && took "compositions side by side ($compositions)"

# The nightly's rehearsal leaves its verdicts (fake mode vs real mode, check for check): show them.
verdicts="$root/artifacts/conformance/rehearsal/verdicts.md"
[[ -f $verdicts ]] && { echo "rehearsal verdicts ($verdicts):"; cat "$verdicts"; }

echo "time per step: $(IFS=';'; echo "${timings[*]}" | sed 's/;/, /g'), in all $SECONDS s"
eng/trx-summary.sh "$results" || status=1
exit $status
