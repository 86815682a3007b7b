/**
 * `mtrr_bp_init()` on the boot CPU: the kernel's copy of the MTRR registers
 * and the lines it prints, per kernel version (spec 02 §5.1, §5.2 step 4,
 * §5.4; docs/kernel-versions.md §6, §8).
 *
 * Not modelled: the MTRR sanitizer (`mtrr_cleanup`, it only acts when the
 * default type is UC and is off by default), hypervisor-supplied state
 * ("MTRRs set to read-only"), pre-P6 vendor MTRRs (AMD K6, Cyrix, Centaur),
 * and the per-AP consistency check ("mtrr: your CPUs had inconsistent ...").
 */

import { mtrrAttribToStr } from '../../hw/cache-mode.js';
import { fixedRuns, MTRR_NUM_FIXED_RANGES } from '../../hw/mtrr.js';
import type { MachineSpec } from '../machine.js';
import { fmt016Lx } from '../printk.js';
import type { KernelFlags } from '../version.js';
import { MtrrCacheMap, type MtrrState } from './cache-map.js';

export interface MtrrBootResult {
  /** `mtrr_state` as read from the registers; null when "not set" (no MTRRs). */
  state: MtrrState | null;
  /** `mtrr_enabled()` after boot: MTRRs present and MTRRdefType.E set. */
  enabled: boolean;
  /** The cache map (v6.5+, MTRRs enabled), else null. */
  map: MtrrCacheMap | null;
  /** What `mtrr_bp_init()` prints, in order (PAT lines of the 6.1 coupling are added by pat-init.ts). */
  messages: string[];
}

/**
 * `get_mtrr_state()`: the machine's MTRR registers as the kernel's
 * `struct mtrr_state_type` (spec 02 §5.1). Null when the CPU has no MTRRs.
 */
export function mtrrStateOf(m: MachineSpec): MtrrState | null {
  if (!m.cpu.mtrr || m.mtrr === null) return null;
  return m.mtrr;
}

function hexUpper(v: number, width: number): string {
  return v.toString(16).toUpperCase().padStart(width, '0');
}

/**
 * `print_mtrr_state()` (generic.c; pr_info with `mtrr=debug` since v6.5,
 * spec 02 §5.1): default type, fixed-range runs, variable registers, TOM2.
 * The model lists only valid variable ranges, taken to sit in registers
 * 0..n-1; the remaining registers up to VCNT print as disabled.
 */
export function printMtrrState(s: MtrrState, physAddrBits: number): string[] {
  const out = [`MTRR default type: ${mtrrAttribToStr(s.defType)}`];
  if (s.fixed.length === MTRR_NUM_FIXED_RANGES) {
    out.push(`MTRR fixed ranges ${s.enabled && s.fixedEnabled ? 'en' : 'dis'}abled:`);
    for (const r of fixedRuns(s.fixed)) out.push(`  ${hexUpper(r.start, 5)}-${hexUpper(r.end - 1, 5)} ${mtrrAttribToStr(r.type)}`);
  }
  out.push(`MTRR variable ranges ${s.enabled ? 'en' : 'dis'}abled:`);
  const highWidth = Math.floor((physAddrBits - 20 + 3) / 4);
  const TWO32 = 2 ** 32;
  for (let i = 0; i < s.vcnt; i++) {
    const v = s.variable[i];
    if (!v) {
      out.push(`  ${i} disabled`);
      continue;
    }
    const mask = 2 ** physAddrBits - v.size;
    const fmt = (a: number): string => hexUpper(Math.floor(a / TWO32), highWidth) + hexUpper(Math.floor((a % TWO32) / 4096), 5) + '000';
    out.push(`  ${i} base ${fmt(v.base)} mask ${fmt(mask)} ${mtrrAttribToStr(v.type)}`);
  }
  if (s.tom2) out.push(`TOM2: ${fmt016Lx(s.tom2).slice(2)} aka ${Math.floor(s.tom2 / 2 ** 20)}M`);
  return out;
}

/**
 * `mtrr_build_map()`'s summary line and, with `mtrr=debug`, one line per
 * entry (spec 02 §5.2 step 4).
 */
export function mtrrMapLines(map: MtrrCacheMap, debug: boolean): string[] {
  const s = map.state;
  const n = map.entries.length;
  const tom2 = s.tom2 !== 0 ? 1 : 0;
  const max = map.fixedCount + 2 * s.vcnt + tom2;
  const out = [
    `MTRR map: ${n} entries (${map.fixedCount} fixed + ${n - map.fixedCount} variable; max ${max}), built from ${s.vcnt + tom2} variable MTRRs`,
  ];
  if (debug) {
    map.entries.forEach((e, i) => {
      out.push(`${String(i).padStart(3, ' ')}: ${fmt016Lx(e.start).slice(2)}-${fmt016Lx(e.end - 1).slice(2)} ${mtrrAttribToStr(e.type)}`);
    });
  }
  return out;
}

/**
 * `mtrr_bp_init()` (arch/x86/kernel/cpu/mtrr/mtrr.c; spec 02 §5.1).
 *
 * - v6.5+ (`!flags.mtrrLegacyLookup`): with `mtrr=debug` the state is
 *   printed, then the map is built and summarised; without usable MTRRs
 *   `MTRRs disabled (not available)` or `MTRRs disabled by BIOS`.
 * - 6.1 (`flags.patInitFromMtrr`): nothing is printed while MTRRs are
 *   enabled (the state dump is pr_debug, `mtrr=debug` does not exist);
 *   otherwise the bare line `Disabled` (captures/amd64-1g-nomtrr). The PAT
 *   half of that path is in pat-init.ts.
 * - v6.2..v6.4 (legacy lookup, decoupled PAT): `MTRRs disabled %s`, no map.
 */
export function mtrrBpInit(m: MachineSpec, flags: KernelFlags): MtrrBootResult {
  const state = mtrrStateOf(m);
  const enabled = state !== null && state.enabled;
  const messages: string[] = [];
  const hasMap = !flags.mtrrLegacyLookup;
  if (hasMap && state !== null && m.boot.mtrrDebug) messages.push(...printMtrrState(state, m.cpu.physAddrBits));
  let map: MtrrCacheMap | null = null;
  if (enabled && hasMap) {
    map = new MtrrCacheMap(state);
    messages.push(...mtrrMapLines(map, m.boot.mtrrDebug));
  }
  if (!enabled) {
    if (flags.patInitFromMtrr) messages.push('Disabled');
    else messages.push(`MTRRs disabled ${state === null ? '(not available)' : 'by BIOS'}`);
  }
  return { state, enabled, map, messages };
}
