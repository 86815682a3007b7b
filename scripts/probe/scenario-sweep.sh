#!/usr/bin/env bash
# Run `patlab probe` on every scenario of scenarios/ for one kernel (one batched run: scenarios of
# one machine share a boot, docs/probe.md §1) and print, per scenario, the agreement line (or why it
# did not run), then the totals. Usage: scripts/probe/scenario-sweep.sh KERNEL [OUT]
# (KERNEL: 6.1-amd64 | 6.1-686-pae | 6.12-amd64). Scenarios whose machine the kernel cannot boot
# are refused by the probe and counted apart; the whole output is kept in OUT (default
# /tmp/patlab-scenario-sweep-KERNEL.txt) for docs/probe-differences.md.
set -uo pipefail
cd "$(dirname "$0")/../.."
kernel="$1"
out="${2:-/tmp/patlab-scenario-sweep-$kernel.txt}"
mapfile -t files < <(ls scenarios/*/*.yaml | grep -v '/index\.yaml$')
node dist/src/cli/main.js probe "${files[@]}" --kernel "$kernel" > "$out" 2>&1
awk -v kernel="$kernel" '
  /^probe [^ ]+ on / { name = $2; next }
  /^  [0-9]+\/[0-9]+ observations agree$/ {
    split($1, p, "/"); agree += p[1]; total += p[2]; ran++
    printf "%s: %s/%s%s\n", name, p[1], p[2], (again[name] ? " (run again alone)" : "")
    next
  }
  /^  note: run again in a boot of its own/ { again[name] = 1; next }
  /^  probe refused/ { refused++; next }
  /^  probe failed/ { failed++; sub(/^ +/, ""); printf "%s: %s\n", name, $0; next }
  END { printf "%s: %d/%d observations agree over %d scenarios (%d refused: a machine this kernel cannot boot; %d did not run)\n", kernel, agree, total, ran, refused, failed }
' "$out"
