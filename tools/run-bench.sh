#!/usr/bin/env bash
# Runs every benchmark and prints one table of the `BENCH <name> key=value ...` lines they emit.
# Each benchmark measures tegami and, where the issue names one, the peer (Dovecot/Postfix or the
# raw file-system floor) in the same run.
set -uo pipefail
build=${1:-build}
root=$(cd "$(dirname "$0")/.." && pwd)
out=$(mktemp)
trap 'rm -f "$out"' EXIT
shopt -s nullglob
for bin in "$build"/bench/bench_*; do
  [[ -x "$bin" && -f "$bin" ]] || continue
  echo "== $(basename "$bin")"
  "$bin" 2>&1 | tee -a "$out"
done
for script in "$root"/bench/*/run.py "$root"/bench/bench_*.py; do
  [[ -f "$script" ]] || continue
  echo "== $script"
  TEGAMI_BUILD_DIR="$build" TEGAMI_SOURCE_DIR="$root" /usr/bin/python3 "$script" 2>&1 | tee -a "$out"
done
echo
echo "| benchmark | figures |"
echo "|---|---|"
grep '^BENCH ' "$out" | sed -E 's/^BENCH ([^ ]+) (.*)$/| \1 | \2 |/'
