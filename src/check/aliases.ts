/**
 * Conflicting aliases (spec 01 §6.1 completed as in spec/07 D4; settled in
 * docs/decisions.md): a page is a conflicting alias when its live mappings
 * have different effective types. Severity:
 * - high: one mapping is effectively WC, or UC because of its PAT entry,
 *   while another is cacheable (WB, WT, WP) — the case the SDM singles out
 *   (cached lines may be written back over WC/UC writes);
 * - medium: any other mix (UC vs WC, or cacheable types only).
 * Evaluated after every step; each conflict keeps the first and last step
 * at which it existed.
 */

import { memTypeShort, type MemType } from '../hw/cache-mode.js';
import type { Kernel } from '../kernel/kernel.js';
import type { EffectiveTypes } from './effective.js';
import { aliasingMappings, linearBits4k, linearMappingsOf, type MappingKind } from './inventory.js';

export type Severity = 'high' | 'medium';

export interface AliasRun {
  /** First pfn of a run of consecutive pfns with the same mappings and types. */
  pfn: number;
  npages: number;
  severity: Severity;
  /** Effective types present, e.g. ['WB', 'WC']. */
  modes: string[];
  /** `kind:type` of each mapping, e.g. ['direct:WB', 'user:WB', 'kmap:WC']. */
  mappings: string[];
  firstStep: number;
  lastStep: number;
}

const CACHEABLE = new Set<number>([4, 5, 6]); // WT, WP, WB

interface PageConflict {
  severity: Severity;
  modes: string[];
  mappings: string[];
}

/** Bit of an effective type in a type mask, and the severity flags kept beside them. */
const UNCACHED_FROM_PAT = 1 << 8;
const CACHEABLE_BIT = 1 << 9;

/** Type-mask bits of an effective-type code (EffectiveTypes.code: type in bits 0-2, "UC from PAT" in bit 3). */
function typeBitsOf(code: number): number {
  const t = code & 7;
  let b = 1 << t;
  if (t === 1 || (t === 0 && code & 8)) b |= UNCACHED_FROM_PAT;
  if (CACHEABLE.has(t)) b |= CACHEABLE_BIT;
  return b;
}

/** typeBitsOf for every code, looked up per page in the hot loop. */
const TYPE_BITS = Uint16Array.from({ length: 16 }, (_, c) => typeBitsOf(c));

function typeBits(code: number): number {
  return TYPE_BITS[code & 15]!;
}

function popcount7(m: number): number {
  let n = 0;
  for (let t = 0; t < 7; t++) if (m & (1 << t)) n++;
  return n;
}

/** Per kernel, a zeroed type-mask slot per memmap pfn, reused by every evaluation (Maps of 1e5 pfns cost more than the check). */
const scratchOf = new WeakMap<Kernel, Uint16Array>();

/**
 * The conflicts of the current state, per pfn. Two passes: a cheap type
 * mask per pfn over every mapping, then a full description only for the pfns
 * whose mask holds two types (most pages of a large run agree).
 */
export function conflictsNow(k: Kernel, eff: EffectiveTypes): Map<number, PageConflict> {
  const maps = aliasingMappings(k);
  const n = k.pages.nPfns;
  let mask = scratchOf.get(k);
  if (mask === undefined) scratchOf.set(k, (mask = new Uint16Array(n)));
  // Pfns beyond the memmap (MMIO) are few: a Map. `order` keeps first-seen order.
  const far = new Map<number, number>();
  const order: number[] = [];
  for (const m of maps) {
    for (let i = 0; i < m.npages; i++) {
      const pfn = m.pfn + i;
      const b = typeBits(eff.code(pfn, m.bits4k));
      if (pfn < n) {
        if (mask[pfn] === 0) order.push(pfn);
        mask[pfn] |= b;
      } else {
        const old = far.get(pfn);
        if (old === undefined) order.push(pfn);
        far.set(pfn, (old ?? 0) | b);
      }
    }
  }
  const conflicting = new Map<number, { kind: MappingKind; bits: number }[]>();
  const typeMask = new Map<number, number>();
  for (const pfn of order) {
    let m = pfn < n ? mask[pfn]! : far.get(pfn)!;
    const [direct, high] = linearBits4k(k, pfn);
    if (direct >= 0) m |= typeBits(eff.code(pfn, direct));
    if (high >= 0) m |= typeBits(eff.code(pfn, high));
    if (popcount7(m) < 2) continue;
    conflicting.set(pfn, linearMappingsOf(k, pfn).map((lm) => ({ kind: lm.kind, bits: lm.bits4k })));
    typeMask.set(pfn, m);
  }
  for (const pfn of order) if (pfn < n) mask[pfn] = 0;
  // Second pass over the mappings, only for the pages that conflict.
  if (conflicting.size > 0)
    for (const am of maps)
      for (let i = 0; i < am.npages; i++) conflicting.get(am.pfn + i)?.push({ kind: am.kind, bits: am.bits4k });
  const out = new Map<number, PageConflict>();
  for (const [pfn, list] of conflicting) {
    const m = typeMask.get(pfn)!;
    const effs = list.map((x) => ({ kind: x.kind, e: eff.of(pfn, x.bits) }));
    const types = new Set(effs.map((x) => x.e.effective));
    out.set(pfn, {
      severity: m & UNCACHED_FROM_PAT && m & CACHEABLE_BIT ? 'high' : 'medium',
      modes: [...types].sort((a, b) => a - b).map((t) => memTypeShort(t as MemType)),
      mappings: effs.map((x) => `${x.kind}:${memTypeShort(x.e.effective as MemType)}`).sort(),
    });
  }
  return out;
}

/** Accumulates conflicts over the steps of a run. */
export class AliasTracker {
  private readonly seen = new Map<string, { pfn: number; c: PageConflict; first: number; last: number }>();
  /** Keys of the conflicts found by the last evaluation. */
  private active: string[] = [];

  constructor(private readonly eff: EffectiveTypes) {}

  /** Evaluate after a step; after a pure (read-only) step the previous conflicts simply last one step longer. */
  observe(k: Kernel, step: number, pure = false): void {
    if (pure && step > 0) {
      for (const key of this.active) this.seen.get(key)!.last = step;
      return;
    }
    this.active = [];
    for (const [pfn, c] of conflictsNow(k, this.eff)) {
      const key = `${pfn}|${c.severity}|${c.mappings.join(',')}`;
      this.active.push(key);
      const s = this.seen.get(key);
      if (s) s.last = step;
      else this.seen.set(key, { pfn, c, first: step, last: step });
    }
  }

  /** Conflicts as runs of consecutive pfns with identical signatures, by pfn then first step. */
  runs(): AliasRun[] {
    const all = [...this.seen.values()].sort((a, b) => a.pfn - b.pfn || a.first - b.first);
    const out: AliasRun[] = [];
    for (const s of all) {
      const last = out[out.length - 1];
      if (
        last &&
        last.pfn + last.npages === s.pfn &&
        last.severity === s.c.severity &&
        last.firstStep === s.first &&
        last.lastStep === s.last &&
        last.mappings.join(',') === s.c.mappings.join(',')
      ) {
        last.npages++;
        continue;
      }
      out.push({ pfn: s.pfn, npages: 1, severity: s.c.severity, modes: s.c.modes, mappings: s.c.mappings, firstStep: s.first, lastStep: s.last });
    }
    return out;
  }
}
