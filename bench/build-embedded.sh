#!/usr/bin/env bash
# Times `whosecures build` of the embedded knowledge base against `whosecures check` (everything a
# build does but writing: load, link, render every page in memory), N runs each, alternating, fresh
# output and cache directory per run (a cold build each time).
# Usage: bench/build-embedded.sh [RUNS]   (default 15). Prints medians and the build/check ratio.
set -euo pipefail
runs=${1:-15}
cd "$(dirname "$0")/.."
cargo build --release --quiet
bin=$PWD/target/release/whosecures
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work"

now() { date +%s%N; }
build_ms=(); check_ms=()
for i in $(seq "$runs"); do
  t0=$(now); "$bin" check 2>/dev/null; t1=$(now)
  check_ms+=($(( (t1 - t0) / 1000000 )))
  rm -rf site .whosecures-cache; t0=$(now); "$bin" build 2>/dev/null; t1=$(now)
  build_ms+=($(( (t1 - t0) / 1000000 )))
done
median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
pages=$(find site -name '*.html' | wc -l)
b=$(median "${build_ms[@]}"); c=$(median "${check_ms[@]}")
echo "embedded knowledge base: $pages pages, $runs runs each"
echo "whosecures build: median ${b} ms"
echo "whosecures check: median ${c} ms (everything but writing)"
awk -v b="$b" -v c="$c" 'BEGIN { if (c > 0) printf "build/check ratio: %.2f\n", b / c }'
