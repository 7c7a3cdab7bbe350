#!/usr/bin/env bash
# Cold start, two binaries side by side: `BIN build -o OUT` of the embedded knowledge base (no -k),
# a fresh output and cache directory each run (under /dev/shm when it exists, so the disk's
# writeback does not time the runs), the binaries taking turns. Prints each binary's median wall
# time and CPU time (user + sys, from GNU time) and checks that their sites are byte-identical
# (`diff -r`, the build's cache directory aside).
# Usage: bench/coldstart-ab.sh BASE_BIN NEW_BIN [RUNS]   (default 15)
set -euo pipefail
base=${1:?usage: coldstart-ab.sh BASE_BIN NEW_BIN [RUNS]}
new=${2:?usage: coldstart-ab.sh BASE_BIN NEW_BIN [RUNS]}
runs=${3:-15}
parent=/tmp
[ -d /dev/shm ] && parent=/dev/shm
work=$(mktemp -d "$parent/coldstart.XXXXXX")
trap 'rm -rf "$work"' EXIT
cd "$work"
timer=/usr/bin/time
[ -x "$timer" ] || { echo "needs GNU time at $timer" >&2; exit 2; }

declare -A wall cpu
for i in $(seq "$runs"); do
  # Alternate which binary goes first, so neither always runs right after the other's writes.
  if (( i % 2 )); then order=(base new); else order=(new base); fi
  for which in "${order[@]}"; do
    bin=$base; [ "$which" = new ] && bin=$new
    rm -rf "$which" ".whosecures-cache"
    line=$("$timer" -f '%e %U %S' "$bin" build -o "$which" 2>&1 >/dev/null | tail -n 1)
    read -r e u s <<<"$line"
    wall[$which]+="$e "
    cpu[$which]+="$(awk -v u="$u" -v s="$s" 'BEGIN { printf "%.2f", u + s }') "
  done
done
median() { tr ' ' '\n' | grep . | sort -n | awk '{a[NR]=$1} END {print (NR%2 ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2)}'; }
echo "embedded knowledge base, $runs alternating cold builds each (load average at the end: $(cut -d' ' -f1-3 /proc/loadavg))"
for which in base new; do
  w=$(median <<<"${wall[$which]}"); c=$(median <<<"${cpu[$which]}")
  printf '%-5s wall median %5.3f s  cpu median %5.2f s   walls: %s\n' "$which" "$w" "$c" "${wall[$which]}"
done
awk -v b="$(median <<<"${wall[base]}")" -v n="$(median <<<"${wall[new]}")" \
  'BEGIN { if (n > 0) printf "base/new wall: %.2f\n", b / n }'
if diff -r base new >/dev/null; then
  echo "sites byte-identical ($(find new -type f | wc -l) files)"
else
  echo "sites DIFFER:"; diff -rq base new | head -20; exit 1
fi
