# Sourced by the benchmarks that run wrk (eng/bench-router.sh, eng/bench-stack.sh, eng/compare.sh):
# one reading of its --latency output, so every table means the same by p50 and p99.
wrk_numbers() { # wrk --latency output on stdin -> "req/s p50_ms p99_ms", and " errors" if it saw non-2xx answers or socket errors
  awk '
    function ms(v) { n = v + 0; if (v ~ /us$/) return n / 1000; if (v ~ /ms$/) return n; if (v ~ /s$/) return n * 1000; return n }
    /^Requests\/sec/ { rps = $2 }
    $1 == "50%" { p50 = ms($2) }
    $1 == "99%" { p99 = ms($2) }
    /Non-2xx|Socket errors/ { errors = 1 }
    END { printf "%s %.3f %.3f%s\n", (rps == "" ? "n/a" : rps), p50, p99, (errors ? " errors" : "") }'
}
