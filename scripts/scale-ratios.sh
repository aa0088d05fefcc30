#!/usr/bin/env bash
# Runs validate's scaling benchmarks (BenchmarkScale in validate/) and prints,
# for each input dimension, the time and memory at N and 4N and the 4N/N
# ratios. Linear growth gives about 4; above about 5 is a defect.
# Usage: scripts/scale-ratios.sh [benchtime, default 3x] [count, default 3]
# With count > 1 the fastest run of each size is used (the least disturbed
# by other work on the machine).
set -euo pipefail
cd "$(dirname "$0")/.."
benchtime=${1:-3x}
count=${2:-3}
go test ./validate -run '^$' -bench '^BenchmarkScale$' -benchtime "$benchtime" -count "$count" -benchmem |
awk '
/^BenchmarkScale\// {
  split($1, p, "/"); dim = p[2]; n = p[3]; sub(/^N=/, "", n); sub(/-[0-9]+$/, "", n)
  ns = $3; mem = $5
  key = dim SUBSEP n
  if (!(key in best) || ns < best[key]) { best[key] = ns; bytes[key] = mem }
  if (!(dim in lo) || n + 0 < lo[dim] + 0) lo[dim] = n
  if (!(dim in hi) || n + 0 > hi[dim] + 0) hi[dim] = n
  if (!(dim in seen)) { seen[dim] = 1; order[++dims] = dim }
}
END {
  printf "%-18s %10s %10s %12s %12s %9s %9s\n", "dimension", "N", "4N", "ms at N", "ms at 4N", "time 4N/N", "mem 4N/N"
  for (i = 1; i <= dims; i++) {
    d = order[i]; a = d SUBSEP lo[d]; b = d SUBSEP hi[d]
    printf "%-18s %10d %10d %12.1f %12.1f %9.2f %9.2f\n", d, lo[d], hi[d], best[a] / 1e6, best[b] / 1e6, best[b] / best[a], bytes[b] / bytes[a]
  }
}'
