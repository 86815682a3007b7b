/**
 * The memtype Linux keeps in each RAM page's flags (PG_arch_1/PG_arch_2 in
 * 2025 kernels, PG_uncached/PG_arch_1 before): one of WB, WC, UC-, WT
 * (arch/x86/mm/pat/memtype.c `get_page_memtype`/`set_page_memtype`; spec 02 §8).
 *
 * Per-page state covers the machine's memmap, one byte per pfn in chunks
 * (PageChunks: a chunk no page of which left WB costs nothing). The kernel's RAM loops may
 * also touch pfns past the last RAM range (a trailing hole is not detected by
 * `pat_pagerange_is_ram`, FORMAT §3.4); their page types are kept as sparse
 * runs so an enormous range never allocates per page.
 */

import { CM } from '../../hw/cache-mode.js';
import { PageBytes } from './page-chunks.js';

/** A run of pfns `[start, end)` beyond the memmap whose memtype is not WB. */
interface Run {
  start: number;
  end: number;
  type: number;
}

export class PageMemtypes {
  /** Memtype per pfn below `memmapPfns`; 0 = WB. */
  readonly types: PageBytes;
  /** Sorted, disjoint, non-WB runs for pfns at or above `memmapPfns`. */
  private overflow: Run[] = [];
  /** Bounds of every pfn ever given a non-WB type: scans for non-WB pages look only there. */
  private dirtyLo = Infinity;
  private dirtyHi = 0;

  constructor(readonly memmapPfns: number) {
    this.types = new PageBytes(memmapPfns);
  }

  /** The first pfn in `[p, n)` (within the memmap) whose type is not WB, or n (chunks all WB are skipped whole). */
  private skipWb(p: number, n: number): number {
    return this.types.firstNot(CM.WB, p, n);
  }

  /** `get_page_memtype()`: the recorded memtype of one pfn (WB by default). */
  get(pfn: number): number {
    if (pfn < this.memmapPfns) return this.types.get(pfn);
    for (const r of this.overflow) {
      if (pfn < r.start) break;
      if (pfn < r.end) return r.type;
    }
    return CM.WB;
  }

  /** The first pfn in `[spfn, epfn)` whose memtype is not WB, or -1. */
  firstNotWb(spfn: number, epfn: number): number {
    const lim = Math.min(epfn, this.memmapPfns, this.dirtyHi);
    const from = Math.max(spfn, this.dirtyLo);
    if (from < lim) {
      const p = this.skipWb(from, lim);
      if (p < lim) return p;
    }
    if (epfn > this.memmapPfns && spfn < epfn) {
      const lo = Math.max(spfn, this.memmapPfns);
      for (const r of this.overflow) {
        if (r.end <= lo) continue;
        if (r.start >= epfn) break;
        return Math.max(r.start, lo);
      }
    }
    return -1;
  }

  /** `set_page_memtype()` over `[spfn, epfn)`. */
  setRange(spfn: number, epfn: number, type: number): void {
    if (spfn >= epfn) return;
    const lim = Math.min(epfn, this.memmapPfns);
    if (spfn < lim) {
      this.types.fill(type, spfn, lim);
      if (type !== CM.WB) {
        if (spfn < this.dirtyLo) this.dirtyLo = spfn;
        if (lim > this.dirtyHi) this.dirtyHi = lim;
      }
    }
    if (epfn > this.memmapPfns) this.setOverflow(Math.max(spfn, this.memmapPfns), epfn, type);
  }

  private setOverflow(s: number, e: number, type: number): void {
    const out: Run[] = [];
    for (const r of this.overflow) {
      if (r.end <= s || r.start >= e) {
        out.push(r);
        continue;
      }
      if (r.start < s) out.push({ start: r.start, end: s, type: r.type });
      if (r.end > e) out.push({ start: e, end: r.end, type: r.type });
    }
    if (type !== CM.WB) out.push({ start: s, end: e, type });
    out.sort((a, b) => a.start - b.start);
    // Coalesce touching runs of one type so the list stays minimal.
    const merged: Run[] = [];
    for (const r of out) {
      const last = merged[merged.length - 1];
      if (last && last.end === r.start && last.type === r.type) last.end = r.end;
      else merged.push({ ...r });
    }
    this.overflow = merged;
  }

  /** Maximal runs of equal non-WB memtype, ascending (for state dumps and tests). */
  nonWbRuns(): { start: number; end: number; type: number }[] {
    const runs: Run[] = [];
    const t = this.types;
    let p = Math.min(this.dirtyLo, this.memmapPfns);
    const n = Math.min(this.memmapPfns, this.dirtyHi);
    while (p < n) {
      p = this.skipWb(p, n);
      if (p >= n) break;
      const ty = t.get(p);
      const s = p;
      p = t.firstNot(ty, p, n);
      runs.push({ start: s, end: p, type: ty });
    }
    for (const r of this.overflow) {
      const last = runs[runs.length - 1];
      if (last && last.end === r.start && last.type === r.type) last.end = r.end;
      else runs.push({ ...r });
    }
    return runs;
  }
}
