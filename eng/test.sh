#!/usr/bin/env bash
# Runs every test: bootstraps the machine, builds the solution, runs the test assemblies in two
# phases with a TRX logger, and prints one summary line computed from all the TRX files:
#   1. everything but Category=stack, browser and rehearsal, the assemblies side by side;
#   2. the stack jobs, CMUX_STACKS_AT_ONCE (3) at a time, each with a stack of its own:
#      Category=stack|browser|rehearsal in each project that starts the composed stack (StartsStack),
#      in the default composition (Cmux:Profile=seed, Cmux:Router=ours), console log in
#      artifacts/test-results/<project>.console.log; unless CMUX_DOCKER=0, the suite on the Docker
#      runtime (artifacts/conformance/docker/) and Category=docker, on the sandbox template
#      (eng/template), which builds from the end of the bootstrap on; the PVE checks over each further
#      composition of CMUX_COMPOSITIONS (profile,router pairs; "cmux,ours seed,caddy" by default, ""
#      for none), report and console log in artifacts/conformance/<profile>-<router>/.
# Usage: eng/test.sh [extra dotnet test arguments, e.g. --filter Category=unit]; a --filter is
# combined with each phase's own as (yours)&(phase's).
set -uo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cd "$root"

# What each step took, printed before the summary: CI's budget is spent here, step by step.
timings=() step_started=$SECONDS
took() { timings+=("$1 $((SECONDS - step_started)) s"); step_started=$SECONDS; }

export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1 ASPIRE_ALLOW_UNSECURED_TRANSPORT=true
# Testcontainers against Debian's Docker 20.10 (API 1.41), with no reaper container to pull: every
# docker test removes what it creates.
export DOCKER_API_VERSION=1.41 TESTCONTAINERS_RYUK_DISABLED=true TESTCONTAINERS_HOST_OVERRIDE=127.0.0.1

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

# Docker's tests and the suite on the Docker runtime are part of the run unless CMUX_DOCKER=0:
# bootstrap installs and starts Docker for them (as root; otherwise they report themselves skipped).
export CMUX_DOCKER=${CMUX_DOCKER:-1}
[[ $CMUX_DOCKER == [01] ]] || { echo "CMUX_DOCKER must be 1 (the default: the docker tests run) or 0 (they report themselves skipped), not '$CMUX_DOCKER'"; echo "0 passed, 1 failed"; exit 2; }

# The sandbox template the docker tests run (eng/template: debootstrap, apt, npm, execd) needs
# Docker and debootstrap from the bootstrap, not the build (it publishes execd from a copy of the
# sources): it starts as soon as the bootstrap is done and builds beside the compile, the unit
# phase and the first stack jobs; the docker jobs, last in the queue, wait for it. A cached recipe
# returns at once, a cold build takes four to six minutes. Without a Docker daemon (CMUX_DOCKER=0,
# or none answers) it is not built, the docker tests run in the unit phase, where each reports
# itself skipped and why, and the suite on the Docker runtime is not run.
template_exit="$results/template.exit" template_started="$results/template.started"
rm -f "$template_exit" "$template_started"
start_template() {
  [[ $CMUX_DOCKER == 1 ]] && timeout 10 docker info >/dev/null 2>&1 || return 0
  : >"$template_started"
  ( nice -n 5 eng/template/build.sh >"$results/template.log" 2>&1; echo $? >"$template_exit" ) &
}

# The machine's packages and the build need nothing of each other: apt's downloads and unpacking
# (a minute on a fresh machine) overlap the compile instead of preceding it.
( eng/bootstrap.sh && start_template ) & bootstrap=$!
eng/build.sh || { wait $bootstrap; echo "0 passed, 1 failed"; exit 1; }
wait $bootstrap || { echo "0 passed, 1 failed"; exit 1; }
took "bootstrap and build, side by side"

# Every process from here on is short-lived: the tier of instrumented code that dynamic PGO compiles
# first pays back only in long runs, and cost a sixth of a stack's start (16.5-17.4 CPU-s against
# 19.0-20.9 for the AppHost, one sandbox, two checks). The benchmark scripts keep it.
export DOTNET_TieredPGO=0

phase() { # what to test, its filter, then more dotnet test arguments; $trx names the TRX file
  local what=$1 own=$2; shift 2
  dotnet test "$what" -c Release --no-build --nologo --filter "${filter:+($filter)&}($own)" \
    --logger "trx${trx:+;LogFileName=$trx}" --logger "console;verbosity=normal" --results-directory "$results" "$@" "${args[@]}"
}
status=0
docker=$CMUX_DOCKER unit_filter="Category!=stack&Category!=browser&Category!=rehearsal"
if [[ $docker == 1 && ! -f $template_started ]]; then
  docker=0 docker_note="no Docker daemon answers (bootstrap said why): the docker tests report themselves skipped, and the suite on the Docker runtime is not run"
  echo "$docker_note" | tee "$results/template.log"
fi
[[ $docker == 1 ]] && unit_filter+="&Category!=docker"
phase Cmux.Conformance.sln "$unit_filter" || status=1
took "unit (every assembly side by side)"

# The stack jobs: the projects that start the composed stack (StartsStack; the trait convention
# keeps such tests there), the docker jobs, then each further composition of CMUX_COMPOSITIONS.
# Each has its own stack, console log, PVE vmids and Morph sandbox ids, given when it is queued (the
# Morph fake reads Morph__*SandboxId, which every resource inherits from the AppHost's environment),
# so no two sandboxes share a loopback address. They run CMUX_STACKS_AT_ONCE (3) at a time, in that
# order, the longest first as measured here, each as soon as it can: a docker job once the template
# is built, without holding a slot before. They wait mostly on sandboxes and timeouts: two at a time
# kept the two cores 40-70 % busy, three keep them 60-99 %. Three once made the dashboard's browser
# test and the suite's load run miss their deadlines; since the test stacks export no telemetry
# (CmuxStack), they have not.
slots=${CMUX_STACKS_AT_ONCE:-3} jobs=() pids=() queue=() job_vmid=200 job_morph=50000
[[ $slots =~ ^[1-9]$ ]] || { echo "CMUX_STACKS_AT_ONCE must be 1..9, not '$slots'"; echo "0 passed, 1 failed"; exit 2; }
running() { local n=0 pid; for pid in "${pids[@]}"; do kill -0 "$pid" 2>/dev/null && n=$((n + 1)); done; echo $n; }
stack_job() { # label, console log, NAME=value... for the job's environment, then the phase's arguments
  local label=$1 log=$2; shift 2
  jobs+=("$label|$log")
  rm -f "$log.exit"
  # Morph's sandbox ids are addresses too (1..65535): 2500 a job from 50000 leaves room for six.
  if ((job_morph + 2499 > 65535)); then
    echo "$label: not run: no Morph sandbox ids left for a job past the sixth (50000..65535, 2500 a job)" >"$log"; echo 1 >"$log.exit"
    return
  fi
  queue+=("$(printf '%q ' "$log" CMUX_PVE_FIRST_VMID=$job_vmid Morph__FirstSandboxId=$job_morph Morph__LastSandboxId=$((job_morph + 2499)) "$@")")
  job_vmid=$((job_vmid + 400)) job_morph=$((job_morph + 2500))
}
launch() { # console log, NAME=value... for the job's environment, then the phase's arguments
  local log=$1; shift
  ( while [[ $1 == *=* ]]; do export "${1?}"; shift; done
    if [[ ${needs_template:-} == 1 && $(cat "$template_exit") != 0 ]]; then
      echo "the template build failed: $results/template.log"; tail -n 20 "$results/template.log"; echo 1 >"$log.exit"; exit
    fi
    phase "$@"; echo $? >"$log.exit" ) >"$log" 2>&1 &
  pids+=($!)
}
run_queue() { # in queue order, each job whose template (if it needs one) is built, as slots free
  local i job
  while ((${#queue[@]})); do
    while (($(running) >= slots)); do wait -n; done
    for i in "${!queue[@]}"; do
      job=${queue[$i]}
      [[ $job == *needs_template=1* && ! -f $template_exit ]] && continue
      eval "launch $job"
      unset "queue[$i]"
      continue 2
    done
    sleep 1 # only docker jobs are left, and the template is still building
  done
}

names=()
for project in $(grep -l '<StartsStack>true</StartsStack>' $(git ls-files '*.Tests.csproj' 2>/dev/null || find . -name '*.Tests.csproj' -not -path '*/bin/*')); do
  name=$(basename "$project" .csproj) names+=("$name")
  stack_job "stack: $name" "$results/$name.console.log" trx=$name.trx "$project" "Category=stack|Category=browser|Category=rehearsal"
done
if [[ $docker == 1 ]]; then
  # The suite once more with every sandbox (PVE's and Morph's) a container running the real servers.
  dir="$root/artifacts/conformance/docker"
  rm -rf "$dir" && mkdir -p "$dir"
  stack_job "the suite on the Docker runtime (seed,ours), both providers" "$dir/console.log" needs_template=1 \
    Cmux__Sandboxes=docker CMUX_REPORT_DIR="$dir" trx=composition-docker.trx \
    conformance/Cmux.Conformance.Tests "FullyQualifiedName~Cmux.Conformance.Tests.Suite.ConformanceSuite.Check"
  stack_job "docker: the sandbox runtime on the template" "$results/docker.console.log" needs_template=1 trx=docker.trx \
    Cmux.Conformance.sln "Category=docker"
fi
# Each further composition runs only the PVE provider's checks (one test per check): what a
# composition changes is the PVE chain (router, execd, profile); Morph's path is the same in every
# one and ran in the default composition.
compositions=${CMUX_COMPOSITIONS-cmux,ours seed,caddy}
for composition in $compositions; do
  IFS=, read -r profile router <<<"$composition"
  dir="$root/artifacts/conformance/$profile-$router"
  rm -rf "$dir" && mkdir -p "$dir"
  stack_job "composition ($composition), PVE checks" "$dir/console.log" \
    Cmux__Profile=$profile Cmux__Router=$router CMUX_REPORT_DIR="$dir" trx=composition-$profile-$router.trx \
    conformance/Cmux.Conformance.Tests "FullyQualifiedName~Cmux.Conformance.Tests.Suite.ConformanceSuite.Check&Provider=pve"
done
run_queue
wait
for job in "${jobs[@]}"; do
  IFS='|' read -r label log <<<"$job"
  [[ $(cat "$log.exit" 2>/dev/null) == 0 ]] || status=1
  echo "$label: $(grep -E '^ *(Total tests|Passed|Failed|Skipped):' "$log" | tr -s ' ' | paste -sd' ') (log: $log)"
  # Each failed test with the first line of its error.
  awk '/^  Failed /{print; getline; if (/Error Message/) {getline; print}}' "$log"
done
((${#jobs[@]})) && took "stack jobs, $slots at a time (${names[*]}; compositions: ${compositions:-none}$([[ $docker == 1 ]] && echo "; docker"))"
grep -h '^template\|^cached\|built in\|image ' "$results/template.log" 2>/dev/null | sed 's/^/template: /' | tail -n 3
[[ -n ${docker_note:-} ]] && echo "docker: $docker_note"

# The nightly's rehearsal leaves its verdicts (fake mode vs real mode, check for check): show them.
verdicts="$root/artifacts/conformance/rehearsal/verdicts.md"
[[ -f $verdicts ]] && { echo "rehearsal verdicts ($verdicts):"; cat "$verdicts"; }

echo "time per step: $(IFS=';'; echo "${timings[*]}" | sed 's/;/, /g'), in all $SECONDS s"
eng/trx-summary.sh "$results" || status=1
exit $status
