#!/usr/bin/env bash
# Run `patlab probe` on every scenario of scenarios/ for one kernel and print, per scenario, the
# agreement line (or why it did not run), then the totals. Usage: scripts/probe/scenario-sweep.sh KERNEL [OUT]
# (KERNEL: 6.1-amd64 | 6.1-686-pae | 6.12-amd64). Scenarios whose machine is the other architecture
# are refused by the probe and counted apart; differing observations are listed in OUT (default
# /tmp/patlab-scenario-sweep-KERNEL.txt) for docs/probe-differences.md.
set -uo pipefail
cd "$(dirname "$0")/../.."
kernel="$1"
out="${2:-/tmp/patlab-scenario-sweep-$kernel.txt}"
: > "$out"
agree=0; total=0; ran=0; refused=0; failed=0
for f in scenarios/*/*.yaml; do
  case "$f" in */index.yaml) continue ;; esac
  r=$(node dist/src/cli/main.js probe "$f" --kernel "$kernel" 2>&1)
  line=$(printf '%s\n' "$r" | grep -E '^  [0-9]+/[0-9]+ observations agree$' | tail -1)
  if [ -n "$line" ]; then
    a=${line%%/*}; a=${a// /}; t=${line#*/}; t=${t%% *}
    agree=$((agree + a)); total=$((total + t)); ran=$((ran + 1))
    printf '%s: %s/%s\n' "$f" "$a" "$t"
    printf '%s\n' "$r" | grep -E '^  differs' | sed "s|^|$f: |" >> "$out"
  elif printf '%s\n' "$r" | grep -q 'probe refused'; then refused=$((refused + 1))
  else failed=$((failed + 1)); printf '%s: %s\n' "$f" "$(printf '%s\n' "$r" | grep -E 'probe failed|not supported|patlab:' | head -1 | sed 's/^ *//')"
  fi
done
echo "$kernel: $agree/$total observations agree over $ran scenarios ($refused refused: other architecture; $failed did not run)"
