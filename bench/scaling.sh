#!/usr/bin/env bash
# How a whosecures build scales with the knowledge base, how close it is to its floor, and what a
# rebuild costs.
#
# For each N, examples/gen-kb writes N synthetic notes; then, RUNS times, taking turns:
#   cold       `whosecures build` into a fresh output directory
#   unchanged  `whosecures build` again into the output of a cold build, nothing changed
#   one edit   the same after appending a paragraph to one note
# each under GNU time (wall time, peak RSS). After the runs, the rebuilt output is compared byte
# for byte with a cold build of the same input (the build manifest aside). examples/floor times
# the floor: Markdown parsing plus highlighting of the same notes alone, on all cores.
# Prints per N the medians, the ratios cold/floor and cold/rebuild, and the exponent k of
# time = c * N^k fitted (least squares on logs) over the cold medians.
#
# Usage: bench/scaling.sh [-r RUNS] [N ...]      (defaults: RUNS=3, N = 1000 3000 10000)
set -euo pipefail

runs=3
while getopts 'r:h' opt; do
  case $opt in
    r) runs=$OPTARG ;;
    *) sed -n '2,/^set -euo/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 2 ;;
  esac
done
shift $((OPTIND - 1))
sizes=("$@")
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 3000 10000)

cd "$(dirname "$0")/.."
root=$PWD
[ -x /usr/bin/time ] || { echo "GNU time missing: apt-get install time" >&2; exit 2; }
cargo build --release --quiet --example gen-kb --example floor --bins
gen=$root/target/release/examples/gen-kb
floor=$root/target/release/examples/floor
bin=$root/target/release/whosecures

work=$(mktemp -d "${TMPDIR:-/tmp}/whosecures-scaling.XXXXXX")
trap 'rm -rf "$work"' EXIT
results=$work/results.tsv
: >"$results"

echo "machine: $(nproc) cores; $runs runs per case; whosecures $(git rev-parse --short HEAD 2>/dev/null || echo '?') (+ working tree)"
echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"

timed() { # timed CASE N -- command...: appends "N CASE seconds peakKB" to the results
  local case=$1 n=$2
  shift 3
  /usr/bin/time -o "$work/time" -f '%e %M' "$@" >/dev/null 2>&1
  echo "$n $case $(tail -1 "$work/time")" >>"$results"
}

for n in "${sizes[@]}"; do
  kb=$work/kb-$n
  "$gen" "$n" "$kb" >/dev/null
  f=$("$floor" "$kb" "$runs" | awk '/^markdown \+ highlighting/ {print $(NF-1)}')
  echo "$n floor $f 0" >>"$results"
  note=$(find "$kb/glossary" -name '*.md' | sort | awk 'NR == 1')
  for ((r = 0; r < runs; r++)); do
    rm -rf "$work/cold" "$work/warm"
    timed cold "$n" -- "$bin" build -k "$kb" -o "$work/cold"
    "$bin" build -k "$kb" -o "$work/warm" 2>/dev/null
    timed unchanged "$n" -- "$bin" build -k "$kb" -o "$work/warm"
    printf '\nAn edit, run %d.\n' "$r" >>"$note"
    timed one-edit "$n" -- "$bin" build -k "$kb" -o "$work/warm"
  done
  rm -rf "$work/cold"
  "$bin" build -k "$kb" -o "$work/cold" 2>/dev/null
  if diff -r -q "$work/cold" "$work/warm" >/dev/null; then
    echo "N=$n: rebuilt output identical to a cold build ($(find "$work/warm" -type f | wc -l) files)"
  else
    echo "N=$n: REBUILT OUTPUT DIFFERS from a cold build" >&2
    diff -r -q "$work/cold" "$work/warm" | head >&2
    exit 1
  fi
  rm -rf "$work/cold" "$work/warm" "$work/.whosecures-cache" "$kb"
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"

python3 - "$results" <<'EOF'
import math, statistics, sys
rows = [line.split() for line in open(sys.argv[1])]
med = {}
for n, case, secs, kb in rows:
    med.setdefault((int(n), case), []).append((float(secs), int(kb)))
sizes = sorted({n for n, _ in med})
print()
print(f"{'N':>6}  {'floor s':>8}  {'cold s':>7}  {'cold MB':>7}  {'cold/floor':>10}  {'unchanged s':>11}  {'MB':>5}  {'one edit s':>10}  {'MB':>5}  {'cold/unchanged':>14}  {'cold/one edit':>13}")
for n in sizes:
    def m(case, i=0):
        return statistics.median(v[i] for v in med[(n, case)])
    cold, floor, same, edit = m("cold"), m("floor"), m("unchanged"), m("one-edit")
    print(f"{n:>6}  {floor:>8.2f}  {cold:>7.2f}  {m('cold', 1) / 1024:>7.0f}  {cold / floor:>10.2f}  {same:>11.2f}  {m('unchanged', 1) / 1024:>5.0f}  {edit:>10.2f}  {m('one-edit', 1) / 1024:>5.0f}  {cold / same:>14.1f}  {cold / edit:>13.1f}")
def exponent(ns):
    xs = [math.log(n) for n in ns]
    ys = [math.log(statistics.median(v[0] for v in med[(n, "cold")])) for n in ns]
    mx, my = statistics.mean(xs), statistics.mean(ys)
    return sum((x - mx) * (y - my) for x, y in zip(xs, ys)) / sum((x - mx) ** 2 for x in xs)
if len(sizes) >= 2:
    print(f"\ncold build time ~ N^{exponent(sizes):.2f} over N = {', '.join(map(str, sizes))} (1.00 is linear)")
# Up to 1,000 notes the site also has print.html (every note on one page), which bends the fit.
big = [n for n in sizes if n > 1000]
if len(big) >= 2 and len(big) < len(sizes):
    print(f"cold build time ~ N^{exponent(big):.2f} over N = {', '.join(map(str, big))} (sites without print.html)")
EOF
