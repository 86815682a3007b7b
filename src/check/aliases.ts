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
export function isHigh(codes: readonly number[]): boolean {
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

/** A run of pfns in conflict at one step, covered by the same mappings with the same effective codes. */
interface Piece {
  pfn: number;
  n: number;
  /** The mappings covering it and their effective codes, in the sweep's order. */
  lives: MappingLife[];
  codes: number[];
  /** Which active set it was found in (a piece continues only within one). */
  set: number;
}

/** `[pfn, pfn + n)` with what is open there since `o.from`. */
interface Extent {
  pfn: number;
  n: number;
  o: Open;
}

/**
 * The conflicts of one step as runs of pfns, in pfn order. The typed mappings
 * live at `s` (holds have no type of their own; `byPfn` is sorted by pfn) are
 * swept as extents; a stretch is evaluated only where a mapping other than
 * the linear maps covers it, or both linear maps do (the kernel image on
 * x86-64), one MTRR stretch at a time (EffectiveTypes.mtrrStretchEnd), so the
 * cost follows the extents, not their pages.
 */
function conflictsAt(byPfn: readonly MappingLife[], eff: EffectiveTypes, s: number): Piece[] {
  const live: MappingLife[] = [];
  const bits: number[] = [];
  for (const l of byPfn) {
    if (!liveAt(l, s)) continue;
    const b = bitsAt(l, s);
    if (b < 0) continue;
    live.push(l);
    bits.push(b);
  }
  const out: Piece[] = [];
  const active: number[] = [];
  let set = 0;
  let last: Piece | null = null;
  let i = 0;
  let x = 0;
  while (i < live.length || active.length > 0) {
    if (active.length === 0) x = live[i]!.pfn;
    while (i < live.length && live[i]!.pfn === x) {
      active.push(i++);
      set++;
    }
    let y = i < live.length ? live[i]!.pfn : Infinity;
    let other = false;
    let high = false;
    let direct = false;
    for (const a of active) {
      const l = live[a]!;
      y = Math.min(y, l.pfn + l.npages);
      if (l.kind === 'highmap') high = true;
      else if (l.kind === 'direct') direct = true;
      else other = true;
    }
    if (active.length >= 2 && (other || (high && direct))) {
      for (let p = x; p < y; ) {
        const e = Math.min(y, eff.mtrrStretchEnd(p));
        const codes = active.map((a) => eff.code(p, bits[a]!));
        let mask = 0;
        for (const c of codes) mask |= 1 << (c & 7);
        if (mask & (mask - 1)) {
          if (last !== null && last.set === set && last.pfn + last.n === p && last.codes.every((c, j) => c === codes[j])) last.n += e - p;
          else out.push((last = { pfn: p, n: e - p, lives: active.map((a) => live[a]!), codes, set }));
        }
        p = e;
      }
    }
    for (let j = active.length - 1; j >= 0; j--) {
      const l = live[active[j]!]!;
      if (l.pfn + l.npages === y) {
        active.splice(j, 1);
        set++;
      }
    }
    x = y;
  }
  return out;
}

/** What a piece opens: its mappings in life order, their types, its severity. */
function openOf(p: Piece, from: number): Open {
  const mappings = p.lives
    .map((l, i) => ({ life: l.id, kind: l.kind, owner: l.owner, type: memTypeShort((p.codes[i]! & 7) as MemType) }))
    .sort((a, b) => a.life - b.life);
  const types = [...new Set(p.codes.map((x) => x & 7))].sort((a, b) => a - b);
  return { sig: mappings.map((m) => `${m.life}:${m.type}`).join(','), from, severity: isHigh(p.codes) ? 'high' : 'medium', modes: types.map((t) => memTypeShort(t as MemType)), mappings };
}

/**
 * One step of the per-pfn rule, over extents: where a pfn keeps the same
 * mappings and types it stays open (from unchanged); where it had a conflict
 * that is gone or different, that one closes at `s`; a new or different
 * conflict opens at `s`. Both lists are sorted and disjoint.
 */
function advance(open: readonly Extent[], now: readonly Piece[], s: number, closed: { pfn: number; n: number; o: Open; to: number | null }[]): Extent[] {
  const next: Extent[] = [];
  const keep = (pfn: number, n: number, o: Open): void => {
    const l = next[next.length - 1];
    if (l && l.o === o && l.pfn + l.n === pfn) l.n += n;
    else next.push({ pfn, n, o });
  };
  const opened = new Map<Piece, Open>();
  let a = 0;
  let b = 0;
  let cur = -Infinity;
  while (a < open.length || b < now.length) {
    const O = open[a];
    const N = now[b];
    const oS = O ? O.pfn : Infinity;
    const oE = O ? O.pfn + O.n : Infinity;
    const nS = N ? N.pfn : Infinity;
    const nE = N ? N.pfn + N.n : Infinity;
    cur = Math.max(cur, Math.min(oS, nS));
    const inO = cur >= oS && cur < oE;
    const inN = cur >= nS && cur < nE;
    const end = Math.min(inO ? oE : oS, inN ? nE : nS);
    const n = end - cur;
    let o: Open | undefined;
    if (inN) {
      o = opened.get(N!);
      if (!o) opened.set(N!, (o = openOf(N!, s)));
    }
    if (inO && o && O!.o.sig === o.sig) keep(cur, n, O!.o);
    else {
      if (inO) closed.push({ pfn: cur, n, o: O!.o, to: s });
      if (o) keep(cur, n, o);
    }
    cur = end;
    if (cur >= oE) a++;
    if (cur >= nE) b++;
  }
  return next;
}

export function aliasesOf(tl: Timeline, eff: EffectiveTypes): AliasReport {
  const byPfn = tl.lives.filter((l) => l.kind !== 'hold').sort((a, b) => a.pfn - b.pfn || a.id - b.id);
  let open: Extent[] = [];
  const closed: { pfn: number; n: number; o: Open; to: number | null }[] = [];
  for (const s of changeSteps(tl)) open = advance(open, conflictsAt(byPfn, eff, s), s, closed);
  for (const e of open) closed.push({ pfn: e.pfn, n: e.n, o: e.o, to: null });
  closed.sort((a, b) => a.pfn - b.pfn || a.o.from - b.o.from);
  const ranges: AliasRange[] = [];
  const lastBySig = new Map<string, AliasRange>();
  for (const { pfn, n, o, to } of closed) {
    // A run continues when the next pfn is aliased over the same steps by the same kinds of mapping.
    const key = `${o.from}|${to}|${o.severity}|${o.mappings.map((m) => `${m.kind}:${m.owner}:${m.type}`).join(',')}`;
    const last = lastBySig.get(key);
    if (last && last.pfn + last.npages === pfn) {
      last.npages += n;
      continue;
    }
    const r: AliasRange = { pfn, npages: n, severity: o.severity, from: o.from, to, modes: o.modes, mappings: o.mappings };
    ranges.push(r);
    lastBySig.set(key, r);
  }
  ranges.sort((a, b) => a.pfn - b.pfn || a.from - b.from);
  const all = ranges.map((r) => [r.pfn, r.npages] as const);
  const high = ranges.filter((r) => r.severity === 'high').map((r) => [r.pfn, r.npages] as const);
  return { ranges, pages: countPages(all), pagesHigh: countPages(high) };
}
