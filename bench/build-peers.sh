#!/usr/bin/env bash
# Full-build time and peak memory of whosecures against mdBook, Zola and Hugo on the same pages.
#
# For each N, examples/gen-kb writes N synthetic notes once per tool (`--format whosecures`,
# `mdbook`, `zola`, `hugo`: same titles, summaries, bodies, code blocks and links), then every
# installed tool builds its copy RUNS times, the tools taking turns run by run (the order rotates
# each run), each run into a fresh output directory, under GNU time (`/usr/bin/time -f '%e %M'`).
# Prints per tool and N: median wall time, pages/s (N / median), median peak RSS in MB, median
# CPU time (user + sys), the HTML files and megabytes written, and the whosecures/peer ratio of
# median wall times (below 1: whosecures is faster).
#
# Usage: bench/build-peers.sh [-r RUNS] [N ...]      (defaults: RUNS=3, N = 1000 10000)
# Environment: MDBOOK_MAX (default 1000): mdbook runs only for N <= MDBOOK_MAX, since its build
# time grows with the square of the page count (see bench/README.md).
# Missing tools are skipped; Debian's `time` and `hugo` are installed with apt-get when missing and
# running as root. Zola has no Debian, crates.io, PyPI or npm package: it runs only if on PATH.
# Every build reads and writes local files only.
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
[ ${#sizes[@]} -gt 0 ] || sizes=(1000 10000)
mdbook_max=${MDBOOK_MAX:-1000}

cd "$(dirname "$0")/.."
root=$PWD

apt_install() { # apt_install PACKAGE: only as root, only when apt-get exists; never fatal
  [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null || return 1
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null 2>&1 ||
    { apt-get update -qq >/dev/null 2>&1 && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$1" >/dev/null 2>&1; }
}
[ -x /usr/bin/time ] || apt_install time || { echo "GNU time missing: apt-get install time" >&2; exit 2; }
command -v hugo >/dev/null || apt_install hugo || true

cargo build --release --quiet --example gen-kb --bins
gen=$root/target/release/examples/gen-kb
bin=$root/target/release/whosecures

tools=(whosecures)
for t in mdbook zola hugo; do
  if command -v "$t" >/dev/null; then tools+=("$t"); else echo "$t: not installed, skipped" >&2; fi
done

version() {
  case $1 in
    whosecures) echo "whosecures $(git -C "$root" rev-parse --short HEAD 2>/dev/null || echo '?') (+ working tree)" ;;
    mdbook) mdbook --version ;;
    zola) zola --version ;;
    hugo) hugo version | cut -d' ' -f1-2 ;;
  esac
}
echo "machine: $(nproc) cores, $(awk '/MemTotal/ {printf "%.0f GiB", $2 / 1048576}' /proc/meminfo); $runs runs per tool and N"
for t in "${tools[@]}"; do echo "  $(version "$t")"; done
load() { cut -d' ' -f1-3 /proc/loadavg; }
echo "load average before: $(load) (other work on the machine inflates wall times: compare CPU s too)"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cd "$work" # whosecures reads ./book.toml when present: build from a directory without one

# command_for TOOL SRC OUT: sets cmd to the tool's ordinary full build of SRC into the fresh OUT.
command_for() {
  case $1 in
    whosecures) cmd=("$bin" build -k "$2" -o "$3") ;;
    mdbook) cmd=(mdbook build -d "$3" "$2") ;;
    zola) cmd=(zola --root "$2" build --output-dir "$3") ;;
    hugo) cmd=(hugo --quiet --source "$2" --destination "$3") ;;
  esac
}

median() { tr -s ' ' '\n' <<<"$1" | sed '/^$/d' | sort -g | awk '{a[NR] = $1} END {print (NR % 2 ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2)}'; }

declare -A wall mem cpu html size
for n in "${sizes[@]}"; do
  active=()
  for t in "${tools[@]}"; do
    if [ "$t" = mdbook ] && [ "$n" -gt "$mdbook_max" ]; then
      echo "mdbook: skipped at N=$n (> MDBOOK_MAX=$mdbook_max): its build time grows with the square of the page count" >&2
      continue
    fi
    "$gen" "$n" "$work/src-$t-$n" --format "$t" 2>/dev/null
    active+=("$t")
  done
  for r in $(seq "$runs"); do
    k=${#active[@]}
    for j in $(seq 0 $((k - 1))); do
      t=${active[$(((r - 1 + j) % k))]}
      out=$work/out-$t-$n-$r
      command_for "$t" "$work/src-$t-$n" "$out"
      if ! /usr/bin/time -f '%e %M %U %S' -o "$work/time" "${cmd[@]}" >"$work/log" 2>&1; then
        echo "$t failed at N=$n:" >&2; tail -20 "$work/log" >&2; exit 1
      fi
      read -r e m u s < <(tail -1 "$work/time")
      wall[$t,$n]+="$e "; mem[$t,$n]+="$m "; cpu[$t,$n]+="$(awk -v u="$u" -v s="$s" 'BEGIN {print u + s}') "
      html[$t,$n]=$(find "$out" -name '*.html' | wc -l)
      size[$t,$n]=$(du -sm "$out" | cut -f1)
      rm -rf "$out"
      [ "$t" = hugo ] && rm -rf "$work/src-$t-$n/resources" "$work/src-$t-$n/.hugo_build.lock"
    done
  done
  rm -rf "$work"/src-*-"$n"
done

printf '\n%-7s %-11s %9s %9s %9s %8s %7s %7s  %s\n' N tool "median s" "pages/s" "peak MB" "CPU s" "html" "out MB" "whosecures/peer"
for n in "${sizes[@]}"; do
  ours=$(median "${wall[whosecures,$n]}")
  for t in "${tools[@]}"; do
    [ -n "${wall[$t,$n]:-}" ] || continue
    w=$(median "${wall[$t,$n]}"); m=$(median "${mem[$t,$n]}"); c=$(median "${cpu[$t,$n]}")
    awk -v n="$n" -v t="$t" -v w="$w" -v m="$m" -v c="$c" -v h="${html[$t,$n]}" -v z="${size[$t,$n]}" -v o="$ours" 'BEGIN {
      ratio = (t == "whosecures") ? "-" : (w > 0 ? sprintf("%.2f", o / w) : "?")
      printf "%-7d %-11s %9.2f %9.0f %9.0f %8.2f %7d %7d  %s\n", n, t, w, (w > 0 ? n / w : 0), m / 1024, c, h, z, ratio
    }'
  done
done
echo "load average after: $(load)"
echo "(ratio = whosecures median / peer median: below 1, whosecures is faster; pages/s counts the N notes)"
