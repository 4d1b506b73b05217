#!/usr/bin/env bash
# Prints "N passed, N failed[, N skipped]" summed over the TRX files in a folder, and exits
# non-zero when anything failed or nothing ran.
set -euo pipefail
dir=${1:?usage: trx-summary.sh <results folder>}
shopt -s nullglob
files=("$dir"/*.trx)
passed=0 failed=0 skipped=0
for f in "${files[@]}"; do
  counters=$(grep -o '<Counters [^>]*>' "$f" | head -n1)
  get() { sed -n "s/.* $1=\"\([0-9]*\)\".*/\1/p" <<<"$counters"; }
  passed=$((passed + $(get passed)))
  failed=$((failed + $(get failed) + $(get error) + $(get timeout) + $(get aborted)))
  # VSTest counts skipped tests as neither executed nor notExecuted: they are total - executed.
  skipped=$((skipped + $(get total) - $(get executed)))
done
# The failures by name, with the first line of each message, just above the summary: CI shows
# only the end of the output.
for f in "${files[@]}"; do
  awk '/<UnitTestResult / && /outcome="Failed"/ { match($0, /testName="[^"]*"/); name = substr($0, RSTART + 10, RLENGTH - 11); want = 1 }
       want && /<Message>/ { sub(/.*<Message>/, ""); print "failed: " name " -- " substr($0, 1, 300); want = 0 }' "$f"
done
if ((skipped)); then
  echo "$passed passed, $failed failed, $skipped skipped"
else
  echo "$passed passed, $failed failed"
fi
((${#files[@]})) || { echo "no test results in $dir" >&2; exit 1; }
((failed == 0 && passed > 0))
