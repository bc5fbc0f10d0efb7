#!/usr/bin/env bash
# Runs every libFuzzer target of a fuzz build for a number of seconds each, with a corpus kept
# under <build>/corpus/<target>. Exits non-zero on the first crash.
set -euo pipefail
build=${1:?usage: run-fuzz.sh <fuzz build dir> [seconds]}
seconds=${2:-60}
shopt -s nullglob
targets=("$build"/tests/fuzz_*)
if [[ ${#targets[@]} -eq 0 ]]; then
  echo "run-fuzz: no fuzz targets in $build/tests" >&2
  exit 1
fi
for target in "${targets[@]}"; do
  [[ -x "$target" && -f "$target" ]] || continue
  name=$(basename "$target")
  corpus="$build/corpus/$name"
  mkdir -p "$corpus"
  echo "== $name ($seconds s)"
  "$target" -max_total_time="$seconds" -print_final_stats=1 -artifact_prefix="$build/crash-$name-" "$corpus" 2>&1 | tail -n 4
done
