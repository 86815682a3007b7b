/**
 * Linux's view of the MTRRs: `struct mtrr_state_type` as read at boot, the
 * "cache map" built from it, and `mtrr_type_lookup()`
 * (arch/x86/kernel/cpu/mtrr/generic.c; spec 02 §5, FORMAT §3.3).
 *
 * Since the 2023 rework (v6.5) the kernel precomputes a sorted list of disjoint
 * ranges and answers lookups from it; the older per-lookup algorithm lives in
 * `legacy-lookup.ts`. Addresses are JS numbers: variable ranges lie below 2^46
 * and TOM2 below 2^48, far inside the exact range of a double.
 */

import { MT, MTRR_TYPE_INVALID } from '../../hw/cache-mode.js';
import { fixedRuns } from '../../hw/mtrr.js';
import type { MtrrSpec, MtrrVarSpec } from '../machine.js';

/** One valid variable MTRR, as `[base, base + size)` (the machine's own description). */
export type VarMtrr = MtrrVarSpec;

/**
 * The kernel's copy of the MTRR registers (`struct mtrr_state_type`), or
 * `null` when the CPU has none and nothing supplied a state ("not set"). It
 * holds exactly what the machine's MTRR registers say, so it is that
 * description, read-only.
 */
export type MtrrState = Readonly<Omit<MtrrSpec, 'fixed' | 'variable'>> & {
  readonly fixed: readonly number[];
  readonly variable: readonly VarMtrr[];
};

/** One entry of the cache map: `[start, end)` of `type`. */
export interface CacheMapEntry {
  start: number;
  end: number;
  type: number;
  fixed: boolean;
}

/**
 * `type_merge()` as used by the cache map: UC wins, {WB, WT} gives WT, any
 * other mix gives UC (resolving the SDM's undefined overlaps), spec 02 §5.2.
 */
export function mtrrTypeMerge(a: number, b: number): number {
  if (a === MT.UC || b === MT.UC) return MT.UC;
  if ((a === MT.WB && b === MT.WT) || (a === MT.WT && b === MT.WB)) return MT.WT;
  if (a !== b) return MT.UC;
  return a;
}

/** The map built by `mtrr_build_map()` at boot, and the lookup over it. */
export class MtrrCacheMap {
  readonly entries: CacheMapEntry[] = [];
  /** Entries marked fixed (the fixed ranges and the TOM2 entry). */
  fixedCount = 0;

  /** `mtrr_build_map()`: spec 02 §5.2, FORMAT §3.3 steps 1-3. */
  constructor(readonly state: MtrrState) {
    if (state.fixedEnabled) {
      for (const r of fixedRuns(state.fixed)) this.add(r.start, r.end, r.type);
      for (const en of this.entries) en.fixed = true;
    }
    if (state.tom2 !== 0) {
      this.add(0x100000000, state.tom2, MT.WB);
      const last = this.entries[this.entries.length - 1];
      // With no entry at all the kernel marks the slot before its array; the
      // trace parser refuses such a machine (FORMAT §3.3 step 2).
      if (last) last.fixed = true;
    }
    this.fixedCount = this.entries.filter((e) => e.fixed).length;
    for (const v of state.variable) this.add(v.base, v.base + v.size, v.type);
  }

  /** `add_map_entry_at()`: insert or merge with a non-fixed neighbour of the same type. */
  private put(s: number, e: number, t: number, idx: number): number {
    if (s >= e) return 0;
    const m = this.entries;
    const prev = idx > 0 ? m[idx - 1] : undefined;
    const next = idx < m.length ? m[idx] : undefined;
    const mp = prev !== undefined && !prev.fixed && prev.end === s && prev.type === t;
    const mn = next !== undefined && !next.fixed && next.start === e && next.type === t;
    if (mp && mn) {
      prev.end = next.end;
      m.splice(idx, 1);
      return 2;
    }
    if (mp) {
      prev.end = e;
      return 1;
    }
    if (mn) {
      next.start = s;
      return 1;
    }
    m.splice(idx, 0, { start: s, end: e, type: t, fixed: false });
    return 0;
  }

  /** `clr_map_range_at()`: cut `[s, e)` out of entry idx. */
  private clear(s: number, e: number, idx: number): number {
    const m = this.entries;
    const en = m[idx]!;
    const ret = s !== en.start ? 1 : 0;
    if (s === en.start && e === en.end) m.splice(idx, 1);
    else if (s === en.start) en.start = e;
    else if (e === en.end) en.end = s;
    else {
      const tail = en.end;
      en.end = s;
      this.put(e, tail, en.type, idx + 1);
    }
    return ret;
  }

  /** `add_map_entry()`: FORMAT §3.3 `add`. */
  private add(s: number, e: number, t: number): void {
    const m = this.entries;
    let i = 0;
    while (i < m.length && s < e) {
      const en = m[i]!;
      if (s >= en.end) {
        i++;
        continue;
      }
      if (s < en.start) {
        const lim = Math.min(e, en.start);
        i -= this.put(s, lim, t, i);
        s = lim;
        i++;
        continue;
      }
      const nt = mtrrTypeMerge(t, en.type);
      if (en.fixed || nt === en.type) {
        s = en.end;
        i++;
        continue;
      }
      const lim = Math.min(e, en.end);
      i += this.clear(s, lim, i);
      i -= this.put(s, lim, nt, i);
      s = lim;
      i++;
    }
    this.put(s, e, t, i);
  }

  /**
   * `mtrr_type_lookup()` over the map (v6.5+): FORMAT §3.3. Returns the type
   * (`MTRR_TYPE_INVALID` for an empty range) and whether it is uniform, i.e.
   * the accumulated type never changed while walking the range.
   */
  lookup(s: number, e: number): { type: number; uniform: boolean } {
    const def = this.state.defType;
    let type = MTRR_TYPE_INVALID;
    let uniform = true;
    const merge = (x: number): void => {
      if (type === MTRR_TYPE_INVALID) type = x;
      else {
        const nt = mtrrTypeMerge(type, x);
        if (nt !== type) uniform = false;
        type = nt;
      }
    };
    for (const en of this.entries) {
      if (!(s < e)) break;
      if (s >= en.end) continue;
      if (s < en.start) {
        merge(def);
        if (e <= en.start) return { type, uniform };
      }
      merge(en.type);
      s = en.end;
    }
    if (s < e) merge(def);
    return { type, uniform };
  }
}

/**
 * Linux's MTRR state at run time: not set (no MTRRs), disabled by the BIOS,
 * or enabled with a cache map. `mtrr_type_lookup()` dispatches on it.
 */
export class LinuxMtrr {
  readonly map: MtrrCacheMap | null;

  constructor(readonly state: MtrrState | null) {
    this.map = state && state.enabled ? new MtrrCacheMap(state) : null;
  }

  /**
   * `mtrr_type_lookup()` (v6.5+; spec 02 §5.3): not set gives (UC, 0),
   * disabled gives (UC, 1), otherwise the map walk.
   */
  typeLookup(s: number, e: number): { type: number; uniform: boolean } {
    if (this.state === null) return { type: MT.UC, uniform: false };
    if (this.map === null) return { type: MT.UC, uniform: true };
    return this.map.lookup(s, e);
  }
}
