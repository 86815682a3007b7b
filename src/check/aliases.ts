/**
 * Conflicting aliases (spec 01 §6.1 completed as in spec/07 D4; defined in
 * docs/checks.md §2): a pfn is aliased at a step when two of its mappings
 * live then have different effective types. Severity of a step's conflict:
 * - high: one mapping is effectively WC, or UC because of its PAT entry,
 *   while another is cacheable (WB, WT, WP) — the case the SDM singles out
 *   (cached lines may be written back over WC/UC writes);
 * - medium: any other mix (UC vs WC, or cacheable types only).
 * Computed from the mapping timeline: evaluated at every step where a
 * mapping of the run was created, removed or changed, and reported as
 * merged pfn ranges, each with the steps it lasted and the mappings
 * involved. A pfn is counted once however many steps or mappings alias it.
 */

import { memTypeShort, type MemType } from '../hw/cache-mode.js';
import type { EffectiveTypes } from './effective.js';
import { bitsAt, countPages, liveAt, type LifeKind, type MappingLife, type Timeline } from './timeline.js';

export type Severity = 'high' | 'medium';

export interface AliasMapping {
  /** MappingLife id. */
  life: number;
  kind: LifeKind;
  owner: string;
  /** Effective type while aliased, e.g. `WB`. */
  type: string;
}

export interface AliasRange {
  /** First pfn of a run of consecutive pfns aliased by the same mappings over the same steps. */
  pfn: number;
  npages: number;
  severity: Severity;
  /** First step at which the conflict existed. */
  from: number;
  /** Step at which it was gone; null: still there at the end. */
  to: number | null;
  /** Effective types present, e.g. ['WB', 'WC']. */
  modes: string[];
  mappings: AliasMapping[];
}

export interface AliasReport {
  ranges: AliasRange[];
  /** Distinct pfns aliased at some step. */
  pages: number;
  /** Distinct pfns with a high-severity conflict at some step. */
  pagesHigh: number;
}

const CACHEABLE = new Set<number>([4, 5, 6]); // WT, WP, WB

/** Whether a set of effective codes (EffectiveTypes.code) makes a high-severity conflict. */
function isHigh(codes: readonly number[]): boolean {
  let uncachedFromPat = false;
  let cacheable = false;
  for (const c of codes) {
    const t = c & 7;
    if (t === 1 || (t === 0 && c & 8)) uncachedFromPat = true;
    if (CACHEABLE.has(t)) cacheable = true;
  }
  return uncachedFromPat && cacheable;
}

/** The steps at which some typed mapping was created, removed or changed bits: the only steps where conflicts can change. */
export function changeSteps(tl: Timeline): number[] {
  const set = new Set<number>();
  for (const l of tl.lives) {
    if (l.kind === 'hold') continue;
    set.add(l.created);
    if (l.removed !== null) set.add(l.removed);
    for (const s of l.segments) set.add(s.from);
  }
  return tl.steps.filter((s) => set.has(s));
}

interface Open {
  sig: string;
  from: number;
  severity: Severity;
  modes: string[];
  mappings: AliasMapping[];
}

/**
 * The conflicts of one step, per pfn: the typed mappings live at `s` (holds
 * have no type of their own), evaluated only on pfns that a mapping other
 * than the linear maps covers, or that both linear maps cover.
 */
export function conflictsAt(tl: Timeline, eff: EffectiveTypes, s: number): Map<number, { codes: number[]; lives: MappingLife[] }> {
  const live = tl.lives.filter((l) => l.kind !== 'hold' && liveAt(l, s) && bitsAt(l, s) >= 0);
  const other = live.filter((l) => l.kind !== 'direct' && l.kind !== 'highmap');
  const linear = live.filter((l) => l.kind === 'direct' || l.kind === 'highmap');
  // First pass: a mask of effective types per pfn (bits 0-6), cheap enough for 10^5-page mappings.
  const mask = new Map<number, number>();
  for (const l of other) {
    const bits = bitsAt(l, s);
    for (let i = 0; i < l.npages; i++) {
      const pfn = l.pfn + i;
      mask.set(pfn, (mask.get(pfn) ?? 0) | (1 << (eff.code(pfn, bits) & 7)));
    }
  }
  // Pfns in both linear maps (the kernel image on x86-64) can alias each other.
  for (const h of linear) {
    if (h.kind !== 'highmap') continue;
    for (const d of linear) {
      if (d.kind !== 'direct') continue;
      const lo = Math.max(d.pfn, h.pfn);
      const hi = Math.min(d.pfn + d.npages, h.pfn + h.npages);
      for (let p = lo; p < hi; p++) if (!mask.has(p)) mask.set(p, 0);
    }
  }
  for (const l of linear) {
    const bits = bitsAt(l, s);
    for (let i = 0; i < l.npages; i++) {
      const pfn = l.pfn + i;
      const m = mask.get(pfn);
      if (m !== undefined) mask.set(pfn, m | (1 << (eff.code(pfn, bits) & 7)));
    }
  }
  // Second pass, only for the pfns holding two types: which mappings, with which codes.
  const perPfn = new Map<number, { codes: number[]; lives: MappingLife[] }>();
  for (const [pfn, m] of mask) if (m & (m - 1)) perPfn.set(pfn, { codes: [], lives: [] });
  if (perPfn.size === 0) return perPfn;
  for (const l of [...other, ...linear]) {
    const bits = bitsAt(l, s);
    for (let i = 0; i < l.npages; i++) {
      const e = perPfn.get(l.pfn + i);
      if (!e) continue;
      e.codes.push(eff.code(l.pfn + i, bits));
      e.lives.push(l);
    }
  }
  return perPfn;
}

export function aliasesOf(tl: Timeline, eff: EffectiveTypes): AliasReport {
  const open = new Map<number, Open>();
  const closed: { pfn: number; o: Open; to: number | null }[] = [];
  for (const s of changeSteps(tl)) {
    const now = conflictsAt(tl, eff, s);
    for (const [pfn, o] of open) {
      if (!now.has(pfn)) {
        closed.push({ pfn, o, to: s });
        open.delete(pfn);
      }
    }
    for (const [pfn, c] of now) {
      const mappings = c.lives
        .map((l, i) => ({ life: l.id, kind: l.kind, owner: l.owner, type: memTypeShort((c.codes[i]! & 7) as MemType) }))
        .sort((a, b) => a.life - b.life);
      const sig = mappings.map((m) => `${m.life}:${m.type}`).join(',');
      const prev = open.get(pfn);
      if (prev && prev.sig === sig) continue;
      if (prev) closed.push({ pfn, o: prev, to: s });
      const types = [...new Set(c.codes.map((x) => x & 7))].sort((a, b) => a - b);
      open.set(pfn, { sig, from: s, severity: isHigh(c.codes) ? 'high' : 'medium', modes: types.map((t) => memTypeShort(t as MemType)), mappings });
    }
  }
  for (const [pfn, o] of open) closed.push({ pfn, o, to: null });
  closed.sort((a, b) => a.pfn - b.pfn || a.o.from - b.o.from);
  const ranges: AliasRange[] = [];
  const lastBySig = new Map<string, AliasRange>();
  for (const { pfn, o, to } of closed) {
    // A run continues when the next pfn is aliased over the same steps by the same kinds of mapping.
    const key = `${o.from}|${to}|${o.severity}|${o.mappings.map((m) => `${m.kind}:${m.owner}:${m.type}`).join(',')}`;
    const last = lastBySig.get(key);
    if (last && last.pfn + last.npages === pfn) {
      last.npages++;
      continue;
    }
    const r: AliasRange = { pfn, npages: 1, severity: o.severity, from: o.from, to, modes: o.modes, mappings: o.mappings };
    ranges.push(r);
    lastBySig.set(key, r);
  }
  ranges.sort((a, b) => a.pfn - b.pfn || a.from - b.from);
  const all = ranges.map((r) => [r.pfn, r.npages] as const);
  const high = ranges.filter((r) => r.severity === 'high').map((r) => [r.pfn, r.npages] as const);
  return { ranges, pages: countPages(all), pagesHigh: countPages(high) };
}
