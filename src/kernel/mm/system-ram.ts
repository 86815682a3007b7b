/**
 * The "System RAM" resources of the iomem tree and `walk_system_ram_range()`
 * (kernel/resource.c). The memtype code asks them what is RAM (spec 02 §7).
 */

/** One System RAM resource, `[start, end]` with an inclusive end as in `struct resource`. */
export interface RamResource {
  start: number;
  endIncl: number;
}

export class SystemRam {
  /** Resources sorted by start, non-overlapping (adjacent ones stay separate). */
  readonly resources: readonly RamResource[];

  constructor(resources: readonly RamResource[]) {
    this.resources = [...resources].sort((a, b) => a.start - b.start);
  }

  /** Index of the first resource whose end is at or after `addr`. */
  private firstEndingAtOrAfter(addr: number): number {
    const r = this.resources;
    let lo = 0;
    let hi = r.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (r[mid]!.endIncl < addr) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * `walk_system_ram_range(start_pfn, nr_pages, arg, func)`: for each System
   * RAM resource intersecting the pfn range, clipped to it, call
   * `func(pfn, nrPages)` with the start rounded up and the end rounded down to
   * whole pages; stop when it returns non-zero and return that value.
   * Kept quirk: the result starts out as -EINVAL and the loop stops on any
   * non-zero result, so a first piece holding no whole page ends the walk.
   */
  walkSystemRamRange(startPfn: number, nrPages: number, func: (pfn: number, nr: number) => number): number {
    let start = startPfn * 4096;
    const end = (startPfn + nrPages) * 4096 - 1;
    let ret = -22;
    for (let i = this.firstEndingAtOrAfter(start); i < this.resources.length && start < end; i++) {
      const res = this.resources[i]!;
      if (res.start > end) break;
      const s = Math.max(res.start, start);
      const e = Math.min(res.endIncl, end);
      const pfn = Math.ceil(s / 4096);
      const endPfn = Math.floor((e + 1) / 4096);
      if (endPfn > pfn) ret = func(pfn, endPfn - pfn);
      if (ret) break;
      start = e + 1;
    }
    return ret;
  }

  /** The runs of pfns in [first, end) that `pageIsRam`, in order (whole pages of one resource each). */
  ramRuns(first: number, end: number): [number, number][] {
    const out: [number, number][] = [];
    for (let i = this.firstEndingAtOrAfter(first * 4096); i < this.resources.length; i++) {
      const r = this.resources[i]!;
      const a = Math.max(first, Math.ceil(r.start / 4096));
      const b = Math.min(end, Math.floor((r.endIncl + 1) / 4096));
      if (Math.ceil(r.start / 4096) >= end) break;
      if (b > a) out.push([a, b - a]);
    }
    return out;
  }

  /** Whether `pfn` lies in a System RAM resource (`page_is_ram()`, no 1 MiB clamp). */
  pageIsRam(pfn: number): boolean {
    const addr = pfn * 4096;
    const i = this.firstEndingAtOrAfter(addr);
    const r = this.resources[i];
    return r !== undefined && r.start <= addr && addr + 4095 <= r.endIncl;
  }

  /** One past the last RAM pfn (0 with no RAM). */
  maxPfn(): number {
    let m = 0;
    for (const r of this.resources) m = Math.max(m, Math.floor((r.endIncl + 1) / 4096));
    return m;
  }
}
