/**
 * Conflicting aliases (spec 01 §6.1 completed as in spec/07 D4; defined in
 * docs/checks.md §2): a pfn is aliased at a step when two of its mappings
 * live then have different effective types. Severity of a step's conflict:
 * - high: one mapping is effectively WC, or UC because of its PAT entry,
 *   while another is cacheable (WB, WT, WP) — the case the SDM singles out
 *   (cached lines may be written back over WC/UC writes);
 * - medium: any other mix (UC vs WC, or cacheable types only).
 * Computed from the mapping timeline: evaluated at every step where a
 * mapping of the run was created, removed or changed, on the pfns of those
 * mappings (elsewhere nothing changed), and reported as
 * merged pfn ranges, each with the steps it lasted and the mappings
 * involved. A pfn is counted once however many steps or mappings alias it.
 */

import { partitionPoint } from '../kernel/partition-point.js';
import { LiveIndex } from './live-index.js';
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
  const out: number[] = [];
  for (const s of tl.steps) if (set.has(s)) out.push(s);
  return out;
}

/** A conflict open on some pfns since `from`: its mappings, their types, its severity. */
export interface Open {
  sig: string;
  from: number;
  severity: Severity;
  modes: string[];
  mappings: AliasMapping[];
}

/** A run of pfns in conflict at one step, covered by the same mappings with the same effective codes. */
export interface Piece {
  pfn: number;
  n: number;
  /** The mappings covering it and their effective codes, in the sweep's order. */
  lives: MappingLife[];
  codes: number[];
  /** Which active set it was found in (a piece continues only within one). */
  set: number;
}

/** `[pfn, pfn + n)` with what is open there since `o.from`. */
export interface Extent {
  pfn: number;
  n: number;
  o: Open;
}

/** `[pfn, pfn + n)` where conflict `o` was open from `o.from` until step `to` (null: to the end). */
export interface ClosedConflict {
  pfn: number;
  n: number;
  o: Open;
  to: number | null;
}

/** A half-open pfn range `[lo, hi)`. */
type Range = [number, number];

/** What changes at each change step (by index in `changeSteps`): where conflicts can change, which lives start and stop being live. */
interface StepIndex {
  /** Sorted, disjoint, non-adjacent pfn ranges of the lives created, removed or with new bits at the step. */
  dirty: Range[][];
  /** `byPfn` indices of the lives live from this step on, and of those no longer live from it. */
  born: number[][];
  gone: number[][];
}

/**
 * Indexes, once, what each change step changes, so a step costs what it
 * changes: a pfn no life covering it was created, removed or rebitted at
 * has the same mappings with the same bits as at the previous change step,
 * so its conflict is the same. A segment with the bits of the one before
 * changes nothing and is not counted. An event at a step that is not a
 * change step (not in `tl.steps`) shows at the next one, where the
 * evaluation looks at `liveAt`/`bitsAt` again (`steps` are ascending, as
 * the recorder makes them); marking more than changed is harmless (a
 * recomputed unchanged conflict keeps its open), marking less is not.
 */
function indexSteps(byPfn: readonly MappingLife[], steps: readonly number[]): StepIndex {
  const n = steps.length;
  const at = new Map<number, number>();
  steps.forEach((s, k) => at.set(s, k));
  const kOf = (e: number): number => at.get(e) ?? partitionPoint(steps, (s) => s < e);
  const raw: Range[][] = Array.from({ length: n }, () => []);
  const born: number[][] = Array.from({ length: n }, () => []);
  const gone: number[][] = Array.from({ length: n }, () => []);
  byPfn.forEach((l, i) => {
    const mark = (k: number): void => {
      if (k < n) raw[k]!.push([l.pfn, l.pfn + l.npages]);
    };
    const c = kOf(l.created);
    const r = l.removed === null ? n : kOf(l.removed);
    if (c < r) {
      born[c]!.push(i);
      if (r < n) gone[r]!.push(i);
    }
    mark(c);
    if (l.removed !== null) mark(r);
    const segs = l.segments;
    for (let j = 1; j < segs.length; j++) if (segs[j]!.bits4k !== segs[j - 1]!.bits4k) mark(kOf(segs[j]!.from));
  });
  const dirty = raw.map((rs) => {
    rs.sort((a, b) => a[0] - b[0]);
    const out: Range[] = [];
    for (const [lo, hi] of rs) {
      const last = out[out.length - 1];
      if (last && lo <= last[1]) last[1] = Math.max(last[1], hi);
      else if (hi > lo) out.push([lo, hi]);
    }
    return out;
  });
  return { dirty, born, gone };
}

/**
 * The conflicts of one step inside `[lo, hi)` as runs of pfns, in pfn order.
 * The typed mappings live at `s` (holds have no type of their own) that
 * overlap the range (`idx`: ascending indices into `byPfn`, sorted by pfn)
 * are swept as extents clipped to it; a stretch is evaluated only where a
 * mapping other than the linear maps covers it, or both linear maps do (the
 * kernel image on x86-64), one MTRR stretch at a time
 * (EffectiveTypes.mtrrStretchEnd, whose code is the same from any pfn in
 * it, so clipping does not change a pfn's codes), so the cost follows the
 * extents, not their pages.
 */
function conflictsIn(byPfn: readonly MappingLife[], idx: readonly number[], eff: EffectiveTypes, s: number, lo: number, hi: number): Piece[] {
  const live: MappingLife[] = [];
  const bits: number[] = [];
  const st: number[] = [];
  const en: number[] = [];
  for (const k of idx) {
    const l = byPfn[k]!;
    if (!liveAt(l, s)) continue;
    const b = bitsAt(l, s);
    if (b < 0) continue;
    live.push(l);
    bits.push(b);
    st.push(Math.max(l.pfn, lo));
    en.push(Math.min(l.pfn + l.npages, hi));
  }
  const out: Piece[] = [];
  const active: number[] = [];
  let set = 0;
  let last: Piece | null = null;
  let i = 0;
  let x = 0;
  while (i < live.length || active.length > 0) {
    if (active.length === 0) x = st[i]!;
    while (i < live.length && st[i] === x) {
      active.push(i++);
      set++;
    }
    let y = i < live.length ? st[i]! : Infinity;
    let other = false;
    let high = false;
    let direct = false;
    for (const a of active) {
      const l = live[a]!;
      y = Math.min(y, en[a]!);
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
      if (en[active[j]!] === y) {
        active.splice(j, 1);
        set++;
      }
    }
    x = y;
  }
  return out;
}

/** `list` with `list[i..j)` replaced by `repl`; in place unless `repl` is too long to pass as splice arguments. */
function replaceSlice<T>(list: T[], i: number, j: number, repl: T[]): T[] {
  if (repl.length <= 4096) {
    list.splice(i, j - i, ...repl);
    return list;
  }
  return list.slice(0, i).concat(repl, list.slice(j));
}

/**
 * A sorted disjoint list of pfn runs with what lies inside each of the
 * `ranges` (sorted, disjoint) replaced by `redo(inside, lo, hi)`, `inside`
 * being the runs cut to `[lo, hi)`; runs crossing a range edge are cut
 * there (`part`), the parts outside kept as they were. `join` may extend a
 * run by the next one where both are the same (it returns whether it did),
 * so repeated cuts at the same edges do not fragment the list.
 */
function spliceRanges<T extends { pfn: number; n: number }>(
  list: T[],
  ranges: readonly Range[],
  part: (x: T, pfn: number, n: number) => T,
  redo: (inside: T[], lo: number, hi: number) => T[],
  join: (a: T, b: T) => boolean,
): T[] {
  for (let r = ranges.length - 1; r >= 0; r--) {
    const [lo, hi] = ranges[r]!;
    const i = partitionPoint(list, (x) => x.pfn + x.n <= lo);
    let j = i;
    while (j < list.length && list[j]!.pfn < hi) j++;
    const before: T[] = [];
    const inside: T[] = [];
    const after: T[] = [];
    for (let q = i; q < j; q++) {
      const x = list[q]!;
      const xs = x.pfn;
      const xe = x.pfn + x.n;
      if (xs < lo) before.push(part(x, xs, lo - xs));
      const a = Math.max(xs, lo);
      const b = Math.min(xe, hi);
      inside.push(a === xs && b === xe ? x : part(x, a, b - a));
      if (xe > hi) after.push(part(x, hi, xe - hi));
    }
    const repl: T[] = [];
    let prev: T | undefined = i > 0 ? list[i - 1] : undefined;
    for (const x of [...before, ...redo(inside, lo, hi), ...after]) {
      if (prev !== undefined && join(prev, x)) continue;
      repl.push(x);
      prev = x;
    }
    const next = list[j];
    if (next !== undefined && prev !== undefined && join(prev, next)) j++;
    list = replaceSlice(list, i, j, repl);
  }
  return list;
}

/** What a piece opens: its mappings in life order, their types, its severity. */
export function openOf(p: Piece, from: number): Open {
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
export function advance(open: readonly Extent[], now: readonly Piece[], s: number, closed: ClosedConflict[]): Extent[] {
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

/**
 * The conflicting aliases of a run. Each change step is applied only inside
 * its dirty ranges (indexSteps): conflicts are swept there and the open
 * extents cut there advanced, the rest of `open` left as it is, so a step
 * costs what it changes, not every live life and open extent (a replayed
 * 10^4-call trace has thousands of lives and 7 000 change steps). The
 * report is the same as a full sweep at every step: ranges are maximal runs
 * of pfns per (from, to, severity, mappings) key and each pfn gets the same
 * sequence of opens, however its extents were cut (openOf sorts mappings by
 * life, so the order of a clipped sweep does not matter either).
 */
export function aliasesOf(tl: Timeline, eff: EffectiveTypes): AliasReport {
  const byPfn = tl.lives.filter((l) => l.kind !== 'hold').sort((a, b) => a.pfn - b.pfn || a.id - b.id);
  const steps = changeSteps(tl);
  const ix = indexSteps(byPfn, steps);
  const lives = new LiveIndex(byPfn);
  let open: Extent[] = [];
  const closed: ClosedConflict[] = [];
  const hits: number[] = [];
  steps.forEach((s, k) => {
    for (const i of ix.born[k]!) lives.set(i, true);
    for (const i of ix.gone[k]!) lives.set(i, false);
    // Outside the step's dirty ranges every pfn keeps its open as it is.
    open = spliceRanges(
      open,
      ix.dirty[k]!,
      (e, pfn, n) => ({ pfn, n, o: e.o }),
      (inside, lo, hi) => {
        hits.length = 0;
        lives.overlapping(lo, hi, hits);
        return advance(inside, conflictsIn(byPfn, hits, eff, s, lo, hi), s, closed);
      },
      (a, b) => {
        if (a.o !== b.o || a.pfn + a.n !== b.pfn) return false;
        a.n += b.n;
        return true;
      },
    );
  });
  for (const e of open) closed.push({ pfn: e.pfn, n: e.n, o: e.o, to: null });
  return aliasReport(closed);
}

/** The report of every conflict a run had: maximal runs of pfns aliased over the same steps by the same kinds of mapping, in pfn order. */
export function aliasReport(closed: ClosedConflict[]): AliasReport {
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
