/**
 * A VMA's user page-table entries, range-shaped (issue 14): sorted, disjoint,
 * non-empty runs of present slots, each with one level, one set of bits, one
 * installing step and consecutive pfns (slot `i` of a run maps
 * `pfn + (i - from)`). Empty slots (`pte_none`) are the gaps. A whole-range
 * write (`remap_pfn_range`, a huge leaf, a fork's copy) is one run until a
 * per-page event (a fault, a page-by-page insert, a partial munmap or
 * mprotect) splits it, so a 4 TiB VMA with nothing or one range mapped costs
 * nothing per page. VMAs never overlap, so keeping the entries per VMA is
 * equivalent to the process's page tables.
 *
 * A large leaf (2 MiB PMD, 1 GiB PUD) covers all its slots with the same
 * level, bits and step and consecutive pfns; where a leaf starts follows
 * from the level and the address (`leafStart`), not from run bounds, so runs
 * of leaves may merge. Bits are always kept in the 4 KiB layout (PAT at bit
 * 7); a large leaf's own layout is derived when needed.
 */

/** Slot level codes. */
export const LV_NONE = 0;
export const LV_4K = 1;
export const LV_2M = 2;
export const LV_1G = 3;
export type SlotLevel = typeof LV_NONE | typeof LV_4K | typeof LV_2M | typeof LV_1G;

/** Pages per leaf of a level code. */
export function leafPages(level: number): number {
  return level === LV_2M ? 512 : level === LV_1G ? 262144 : 1;
}

export function levelName(level: number): '4k' | '2m' | '1g' {
  return level === LV_2M ? '2m' : level === LV_1G ? '1g' : '4k';
}

/** Slots `[from, to)`, present, mapping `pfn + (i - from)` with `bits` at `level`, written at `step`. */
export interface PteRun {
  from: number;
  to: number;
  pfn: number;
  bits: number;
  level: number;
  step: number;
}

/** One present entry. */
export interface PteEntry {
  pfn: number;
  bits: number;
  level: number;
  step: number;
}

/** Whether `b` continues `a` as one run (touching, same level/bits/step, consecutive pfns). */
function continues(a: PteRun, b: PteRun): boolean {
  return a.to === b.from && a.level === b.level && a.bits === b.bits && a.step === b.step && a.pfn + (a.to - a.from) === b.pfn;
}

export class UserPtes {
  /** Present runs, sorted by `from`, disjoint, non-empty. */
  private runs: PteRun[] = [];
  /** Bumped by every write (set, clear, mapBits, setStep): the checks' recorder re-reads only the tables written since it last looked. */
  writeGen = 0;

  constructor(readonly n: number) {}

  /** Index of the first run ending after slot `i` (`runs.length` if none). */
  private lowerBound(i: number): number {
    // partitionPoint's search written out: this runs several times per page a fault inserts.
    const rs = this.runs;
    let lo = 0;
    let hi = rs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (rs[mid]!.to <= i) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** The run holding slot `i`, or undefined. */
  private runAt(i: number): PteRun | undefined {
    const r = this.runs[this.lowerBound(i)];
    return r && r.from <= i ? r : undefined;
  }

  /** Make slot `i` a run boundary; returns the index of the first run starting at or after `i`. */
  private splitAt(i: number): number {
    const j = this.lowerBound(i);
    const r = this.runs[j];
    if (!r || r.from >= i) return j;
    this.runs.splice(j + 1, 0, { from: i, to: r.to, pfn: r.pfn + (i - r.from), bits: r.bits, level: r.level, step: r.step });
    r.to = i;
    return j + 1;
  }

  /** Merge the run at index `j` with its neighbours where they continue each other. */
  private mergeAround(j: number): void {
    const rs = this.runs;
    if (j + 1 < rs.length && continues(rs[j]!, rs[j + 1]!)) {
      rs[j]!.to = rs[j + 1]!.to;
      rs.splice(j + 1, 1);
    }
    if (j > 0 && continues(rs[j - 1]!, rs[j]!)) {
      rs[j - 1]!.to = rs[j]!.to;
      rs.splice(j, 1);
    }
  }

  /** The present runs overlapping `[from, to)`, clipped to it, in slot order (copies: the table may change while they are used). */
  runsIn(from = 0, to = this.n): PteRun[] {
    const out: PteRun[] = [];
    const rs = this.runs;
    for (let j = this.lowerBound(from); j < rs.length && rs[j]!.from < to; j++) {
      const r = rs[j]!;
      const a = Math.max(r.from, from);
      const b = Math.min(r.to, to);
      out.push({ from: a, to: b, pfn: r.pfn + (a - r.from), bits: r.bits, level: r.level, step: r.step });
    }
    return out;
  }

  /** The first present slot in `[from, to)`, or -1. */
  firstPresent(from = 0, to = this.n): number {
    const r = this.runs[this.lowerBound(from)];
    if (!r || r.from >= to) return -1;
    return Math.max(r.from, from);
  }

  /** A copy of slots `[from, to)` (VMA split, mremap). */
  slice(from: number, to: number): UserPtes {
    const out = new UserPtes(to - from);
    out.runs = this.runsIn(from, to).map((r) => ({ ...r, from: r.from - from, to: r.to - from }));
    return out;
  }

  /** This table grown (or shrunk) to `n` slots, new slots empty. */
  resized(n: number): UserPtes {
    const out = new UserPtes(n);
    out.runs = this.runsIn(0, Math.min(n, this.n));
    return out;
  }

  isNone(i: number): boolean {
    return this.runAt(i) === undefined;
  }

  /** The entry at slot `i`, or null (`pte_none`). */
  entry(i: number): PteEntry | null {
    const r = this.runAt(i);
    return r ? { pfn: r.pfn + (i - r.from), bits: r.bits, level: r.level, step: r.step } : null;
  }

  /** The run holding slot `i`, read-only (a fault's page is read back without building an entry), or undefined. */
  runOf(i: number): Readonly<PteRun> | undefined {
    return this.runAt(i);
  }

  /** LV_* of slot `i` (LV_NONE when empty). */
  levelAt(i: number): number {
    return this.runAt(i)?.level ?? LV_NONE;
  }

  /** pfn of slot `i` (0 when empty). */
  pfnAt(i: number): number {
    const r = this.runAt(i);
    return r ? r.pfn + (i - r.from) : 0;
  }

  /** Bits of slot `i` (0 when empty). */
  bitsAt(i: number): number {
    return this.runAt(i)?.bits ?? 0;
  }

  /** One slot. */
  set(i: number, pfn: number, bits: number, level: number, step: number): void {
    this.setRange(i, 1, pfn, bits, level, step);
  }

  /** Slots `[from, from + count)` mapping `pfn, pfn + 1, ...`, all with `bits`, `level`, `step`. */
  setRange(from: number, count: number, pfn: number, bits: number, level: number, step: number): void {
    if (count <= 0) return;
    this.writeGen++;
    // Empty slots continuing the run before them (a fault's next page): that run grows, with no run object or splice per page.
    const rs = this.runs;
    const i = this.lowerBound(from);
    const next = rs[i];
    const prev = rs[i - 1];
    if (prev && (!next || next.from >= from + count) && prev.to === from && prev.level === level && prev.bits === bits && prev.step === step && prev.pfn + (from - prev.from) === pfn) {
      prev.to += count;
      if (next && continues(prev, next)) {
        prev.to = next.to;
        rs.splice(i, 1);
      }
      return;
    }
    const j = this.cut(from, from + count);
    this.runs.splice(j, 0, { from, to: from + count, pfn, bits, level, step });
    this.mergeAround(j);
  }

  /** Remove slots `[from, to)`; returns where a run starting at `from` would go. */
  private cut(from: number, to: number): number {
    this.writeGen++;
    const j = this.splitAt(from);
    const e = this.splitAt(to);
    if (e > j) this.runs.splice(j, e - j);
    return j;
  }

  clear(i: number): void {
    this.clearRange(i, i + 1);
  }

  /** Empty slots `[from, to)`. */
  clearRange(from: number, to: number): void {
    if (from < to) this.cut(from, to);
  }

  /** `bits = f(bits)` for every present slot of `[from, to)` (mkwrite, mprotect, fork's COW). */
  mapBits(from: number, to: number, f: (bits: number) => number): void {
    if (from >= to) return;
    this.writeGen++;
    const j = this.splitAt(from);
    const e = this.splitAt(to);
    for (let q = j; q < e; q++) this.runs[q]!.bits = f(this.runs[q]!.bits);
  }

  /** Every present slot of `[from, to)` counts as written at `step` (mremap's move). */
  setStep(from: number, to: number, step: number): void {
    if (from >= to) return;
    this.writeGen++;
    const j = this.splitAt(from);
    const e = this.splitAt(to);
    for (let q = j; q < e; q++) this.runs[q]!.step = step;
  }

  /** First slot of the leaf holding slot `i` (slots are aligned to the leaf relative to `baseSlot`, the VMA's first page index in the address space). */
  leafStart(i: number, baseSlot: number): number {
    const lp = leafPages(this.levelAt(i));
    if (lp === 1) return i;
    return Math.floor((i + baseSlot) / lp) * lp - baseSlot;
  }

  /** Number of present slots. */
  count(): number {
    let c = 0;
    for (const r of this.runs) c += r.to - r.from;
    return c;
  }

  /** Number of runs (for tests and the bench: the table's cost). */
  get runCount(): number {
    return this.runs.length;
  }
}
