/**
 * The vmalloc address space: areas with their own page-table entries, and
 * `vmap`/`vunmap` on top (mm/vmalloc.c; spec 03 §2.6, §5.2). ioremap will be
 * built on the same API (`allocArea`, `mapPages`, `freeArea`, `lookup`).
 *
 * Deterministic placement: first fit from VMALLOC_START in address order.
 * Each area has a guard page after it unless asked not to (VM_NO_GUARD).
 * Freed areas are unmapped at once but their addresses stay reserved until
 * `vm_unmap_aliases()` purges the lazily freed areas (the kernel's lazy TLB
 * flushing of vmap areas), which CPA does on every call (spec 03 §2.2).
 *
 * An area's entries are range-shaped, as the kernel's are where it maps a
 * physically contiguous range (ioremap with huge leaves, spec 03 §4.6): a
 * sorted list of segments, each a run of pages with one level (4 KiB, or a
 * page under a 2 MiB / 1 GiB leaf) and one set of PTE bits (4 KiB layout,
 * or the huge leaf's large-layout bits), mapping either consecutive pfns
 * from `pfn` or, for vmap, a list of pfns (the kernel writes one PTE per
 * page there too). A 1 TiB ioremap is one segment, not 2^28 pages; a CPA
 * change of one page splits a segment into at most three.
 */

import type { CacheMode } from '../../hw/cache-mode.js';
import { protvalLargeTo4k } from '../../hw/pte.js';
import type { PteRef } from '../context.js';
import type { MmContext } from './mm-context.js';
import type { Printk } from '../printk.js';
import { BLK_GB, BLK_LARGE, BLK_NONE, BLK_PTE, type KernelMapRegion } from './kernel-pgtable.js';
import { PAGE_SIZE } from '../../hw/page.js';

/** Pages per 2 MiB and 1 GiB leaf (x86-64 / PAE: huge vmap needs one of them; non-PAE has no huge vmap). */
const PMD_PAGES = 512;
const PUD_PAGES = 512 * 512;

/** What `__ioremap_caller` records in the vm_struct (`phys_addr`, size) plus the negotiated mode, for iounmap. */
export interface IoremapRecord {
  phys: number;
  size: number;
  requested: CacheMode;
  pcm: CacheMode;
}

/** Pages `[at, at + n)` of an area: one level and one set of bits; pfns consecutive from `pfn`, or `list[i]` (vmap). Pfns are doubles: MMIO pfns can exceed 2^31. */
export interface VmSegment {
  at: number;
  n: number;
  pfn: number;
  list?: Float64Array;
  bits: number;
  /** BLK_PTE for 4 KiB entries, BLK_LARGE / BLK_GB for pages under a huge leaf. */
  level: number;
}

export interface VmArea {
  /** Stored virtual address of the first page. */
  readonly start: number;
  /** Reserved size in bytes, guard page included. */
  readonly size: number;
  /** Pages that can be mapped (size without the guard page). */
  readonly npages: number;
  /** Mapped pages, sorted by `at`, never overlapping, never with bits 0. */
  segs: VmSegment[];
  /** Bumped by every write to `segs` (updateRange, placeSegment): the checks' recorder re-reads only the areas written since it last looked. */
  writeGen: number;
  /** Free-form tag for dumps (`vmap`, `ioremap`, ...). */
  readonly caller: string;
  /** Physical address the area was created for (ioremap), if any. */
  phys?: number;
  /** Set by ioremap (`VM_IOREMAP` areas): the vm_struct's physical range and mode. */
  ioremap?: IoremapRecord;
}

/** The pfn of page `i` of a segment that holds it. */
export function segPfn(g: VmSegment, i: number): number {
  return g.list ? g.list[i - g.at]! : g.pfn + (i - g.at);
}

/** Index of the item of `xs` (sorted, disjoint `[start, end)`) that holds `x`, or -1. */
function coveringIndex<T>(xs: readonly T[], x: number, start: (t: T) => number, end: (t: T) => number): number {
  let lo = 0;
  let hi = xs.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const t = xs[mid]!;
    if (x < start(t)) hi = mid - 1;
    else if (x >= end(t)) lo = mid + 1;
    else return mid;
  }
  return -1;
}

/** Index of the segment holding page `i`, or -1. */
function segIndex(a: VmArea, i: number): number {
  return coveringIndex(a.segs, i, (g) => g.at, (g) => g.at + g.n);
}

/** Split the segment holding page `p` so that one starts at `p` (no-op on a boundary or a hole). */
function cutAt(a: VmArea, p: number): void {
  const k = segIndex(a, p);
  if (k < 0) return;
  const g = a.segs[k]!;
  if (g.at === p) return;
  const left = p - g.at;
  const right: VmSegment = { at: p, n: g.n - left, pfn: g.list ? 0 : g.pfn + left, bits: g.bits, level: g.level };
  if (g.list) {
    right.list = g.list.subarray(left);
    g.list = g.list.subarray(0, left);
  }
  g.n = left;
  a.segs.splice(k + 1, 0, right);
}

/** Apply `f` to the segments covering pages `[from, to)` (split at both ends first); segments left with bits 0 are dropped. */
function updateRange(a: VmArea, from: number, to: number, f: (g: VmSegment) => void): void {
  cutAt(a, from);
  cutAt(a, to);
  for (const g of a.segs) if (g.at >= from && g.at + g.n <= to) f(g);
  a.segs = a.segs.filter((g) => g.bits !== 0);
  a.writeGen++;
}

/** Remove whatever maps pages `[seg.at, seg.at + seg.n)`, then put `seg` there (dropped if its bits are 0). */
function placeSegment(a: VmArea, seg: VmSegment): void {
  const from = seg.at;
  const to = seg.at + seg.n;
  a.writeGen++;
  const last = a.segs[a.segs.length - 1];
  // ioremap maps an area leaf by leaf in address order: append without a scan.
  if (!last || last.at + last.n <= from) {
    if (seg.bits !== 0) a.segs.push(seg);
    return;
  }
  cutAt(a, from);
  cutAt(a, to);
  const keep = a.segs.filter((g) => g.at + g.n <= from || g.at >= to);
  if (seg.bits !== 0) {
    let i = 0;
    while (i < keep.length && keep[i]!.at < from) i++;
    keep.splice(i, 0, seg);
  }
  a.segs = keep;
}

/** `lazy_max_pages()` (mm/vmalloc.c): fls(num_online_cpus()) times 32 MiB, in pages. */
export function lazyMaxPages(nCpus: number): number {
  return (32 - Math.clz32(nCpus)) * ((32 * 1024 * 1024) / PAGE_SIZE);
}

export class Vmalloc implements KernelMapRegion {
  readonly space = 'vmalloc' as const;
  readonly largePfns = 512;
  /** Live areas sorted by start. */
  private readonly areas: VmArea[] = [];
  /** Freed areas whose addresses are not reusable before the next purge. */
  private readonly lazy: VmArea[] = [];
  /**
   * Every area whose address is reserved, live or lazily freed, sorted by
   * start (they never overlap): what `alloc_vmap_area()` must not overlap.
   * A free leaves it here; a purge removes the lazily freed ones.
   */
  private readonly taken: VmArea[] = [];
  /** `taken[0..packedIdx)` cover `[start, packed)` with no gap: first fit never lands below `packed`, so a search starts there, not at every area below. */
  private packed: number;
  private packedIdx = 0;
  /** `vmap_lazy_nr`: pages of the lazily freed areas. */
  private lazyPages = 0;
  /** Lazily freed areas purged so far (each purge flushes the TLB range in the kernel). */
  purged = 0;

  /**
   * `lazyMaxPages`: `lazy_max_pages()`, fls(num_online_cpus()) * 32 MiB of
   * pages (mm/vmalloc.c), past which a free schedules the drain of the
   * lazily freed areas (decisions.md, "vmalloc's lazy purge").
   */
  constructor(
    readonly start: number,
    readonly end: number,
    private readonly lazyMaxPages = Infinity,
    /** Where alloc_vmap_area()'s failure warning goes (none: an allocator on its own, in tests). */
    private readonly printk: Printk | null = null,
  ) {
    this.packed = start;
  }

  contains(va: number): boolean {
    return va >= this.start && va < this.end;
  }

  /** Live areas in address order (for dumps and the alias checker). */
  liveAreas(): readonly VmArea[] {
    return this.areas;
  }

  /**
   * `get_vm_area()` / `alloc_vmap_area()`: reserve `size` bytes (rounded up to
   * pages, plus a guard page unless `guard` is false) at the lowest address
   * aligned to `align` that overlaps no live or lazily freed area. When none
   * is left, the lazily freed areas are purged and the search tried once
   * more (the kernel's `overflow:` path, `purge_vmap_area_lazy()`); null,
   * with the kernel's warning, if the space is still full.
   */
  allocArea(size: number, align = PAGE_SIZE, opts: { guard?: boolean; caller?: string } = {}): VmArea | null {
    if (!(size > 0)) return null;
    const npages = Math.ceil(size / PAGE_SIZE);
    const total = (npages + (opts.guard === false ? 0 : 1)) * PAGE_SIZE;
    const al = Math.max(PAGE_SIZE, align);
    let found = this.firstFit(total, al);
    if (found === null && this.lazy.length > 0) {
      this.vmUnmapAliases();
      found = this.firstFit(total, al);
    }
    if (found === null) {
      // GFP_KERNEL, no __GFP_NOWARN: every caller modelled warns. printk_ratelimit() is not modelled (the run has no clock): each failure prints.
      this.printk?.emit('warn', `vmap allocation for size ${total} failed: use vmalloc=<size> to increase size`);
      return null;
    }
    const area: VmArea = {
      start: found.addr,
      size: total,
      npages,
      segs: [],
      writeGen: 0,
      caller: opts.caller ?? 'vmalloc',
    };
    this.areas.splice(this.insertIndex(this.areas, found.addr), 0, area);
    this.taken.splice(found.at, 0, area);
    this.advancePacked();
    return area;
  }

  /** The lowest address aligned to `al` where `total` bytes overlap no reserved area, and where it goes in `taken`; null when it would pass the end. */
  private firstFit(total: number, al: number): { addr: number; at: number } | null {
    let addr = Math.ceil(this.packed / al) * al;
    let i = this.packedIdx;
    for (; i < this.taken.length; i++) {
      const a = this.taken[i]!;
      if (addr + total <= a.start) break;
      if (a.start + a.size > addr) addr = Math.ceil((a.start + a.size) / al) * al;
    }
    if (addr + total > this.end) return null;
    return { addr, at: i };
  }

  private advancePacked(): void {
    const t = this.taken;
    while (this.packedIdx < t.length && t[this.packedIdx]!.start === this.packed) {
      const a = t[this.packedIdx++]!;
      this.packed = a.start + a.size;
    }
  }

  private insertIndex(list: readonly VmArea[], addr: number): number {
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (list[mid]!.start < addr) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Map pages into an area, from page `at` of the area (default its first):
   * `physOrPfns` is either the first pfn of a physically contiguous run
   * (ioremap) of `count` pages, or a list of pfns (vmap). `bits` are 4 KiB
   * layout PTE bits (present included), or for `level` '2m'/'1g' the huge
   * leaf's large-layout bits (PSE included); a huge mapping must be a run
   * covering whole leaves, virtually aligned to the leaf size.
   */
  mapPages(area: VmArea, physOrPfns: { pfn: number; count: number } | ArrayLike<number>, bits: number, level: '4k' | '2m' | '1g' = '4k', at = 0): void {
    if ('pfn' in physOrPfns && typeof physOrPfns.pfn === 'number' && !('length' in physOrPfns)) {
      const { pfn, count } = physOrPfns;
      if (at + count > area.npages) throw new RangeError('mapping larger than the area');
      if (level !== '4k') {
        const per = level === '1g' ? PUD_PAGES : PMD_PAGES;
        if (count % per !== 0 || (area.start / PAGE_SIZE + at) % per !== 0) throw new RangeError(`a ${level} leaf must cover whole, aligned leaves`);
      }
      if (count > 0) placeSegment(area, { at, n: count, pfn, bits, level: level === '1g' ? BLK_GB : level === '2m' ? BLK_LARGE : BLK_PTE });
      return;
    }
    if (level !== '4k') throw new RangeError('huge leaves map physically contiguous runs only');
    const list = physOrPfns as ArrayLike<number>;
    if (at + list.length > area.npages) throw new RangeError('mapping larger than the area');
    if (list.length > 0) placeSegment(area, { at, n: list.length, pfn: 0, list: Float64Array.from(list), bits, level: BLK_PTE });
  }

  /** The area containing `va` (guard page included), or null. */
  findArea(va: number): VmArea | null {
    return this.areas[coveringIndex(this.areas, va, (a) => a.start, (a) => a.start + a.size)] ?? null;
  }

  /** `free_vm_area()`/`remove_vm_area()`: unmap now, release the address at the next purge. */
  freeArea(area: VmArea): void {
    // Live areas are sorted by start and never overlap: a live area is where its start sorts.
    const i = this.insertIndex(this.areas, area.start);
    if (this.areas[i] !== area) throw new Error('freeArea: not a live area');
    this.areas.splice(i, 1);
    area.segs = [];
    this.lazy.push(area);
    this.lazyPages += area.size / PAGE_SIZE;
    // free_vmap_area_noflush(): past lazy_max_pages() the drain work is scheduled; the model runs it before anything else happens.
    if (this.lazyPages > this.lazyMaxPages) this.vmUnmapAliases();
  }

  /** `vm_unmap_aliases()` (and the drain and overflow purges): purge lazily freed areas; returns how many were purged. */
  vmUnmapAliases(): number {
    const n = this.lazy.length;
    if (n === 0) return 0;
    const gone = new Set(this.lazy);
    let w = 0;
    for (const a of this.taken) if (!gone.has(a)) this.taken[w++] = a;
    this.taken.length = w;
    this.lazy.length = 0;
    this.lazyPages = 0;
    this.purged += n;
    this.packed = this.start;
    this.packedIdx = 0;
    this.advancePacked();
    return n;
  }

  /** `vmap(pages, count, VM_MAP, prot)`: a new alias of the pages with `bits`; PAT is not consulted (spec 03 §5.2). */
  vmap(pfns: ArrayLike<number>, bits: number, caller = 'vmap'): number | null {
    const area = this.allocArea(pfns.length * PAGE_SIZE, PAGE_SIZE, { caller });
    if (!area) return null;
    this.mapPages(area, pfns, bits);
    return area.start;
  }

  /**
   * `remove_vm_area(addr)` as `vunmap` uses it: the live area holding `addr`
   * (the kernel's `__find_vmap_area` looks up any address inside an area) is
   * unmapped and released; 'unaligned' or 'nonexistent' when the kernel WARNs
   * and returns (see `vunmapCall`).
   */
  vunmap(va: number): 'ok' | 'unaligned' | 'nonexistent' {
    if (va % PAGE_SIZE !== 0) return 'unaligned';
    const a = this.findArea(va);
    if (!a) return 'nonexistent';
    this.freeArea(a);
    return 'ok';
  }

  /** The present leaf at `va` (4 KiB, or a huge ioremap leaf), or null. */
  lookup(va: number): PteRef | null {
    const a = this.findArea(va);
    if (!a) return null;
    const i = Math.floor((va - a.start) / PAGE_SIZE);
    const k = i < a.npages ? segIndex(a, i) : -1;
    if (k < 0) return null;
    const g = a.segs[k]!;
    if (g.level === BLK_LARGE || g.level === BLK_GB) {
      const size = (g.level === BLK_GB ? PUD_PAGES : PMD_PAGES) * PAGE_SIZE;
      return { pfn: segPfn(g, i), level: g.level === BLK_GB ? '1g' : '2m', leafStart: Math.floor(va / size) * size, bits: g.bits };
    }
    return { pfn: segPfn(g, i), level: '4k', leafStart: a.start + i * PAGE_SIZE, bits: g.bits };
  }

  /** Area and page-index range of the huge leaf at `va`. */
  private leafPages(va: number): { a: VmArea; first: number; n: number; level: number } {
    const a = this.findArea(va)!;
    const i = Math.floor((va - a.start) / PAGE_SIZE);
    const k = segIndex(a, i);
    const level = k < 0 ? BLK_PTE : a.segs[k]!.level;
    const per = level === BLK_GB ? PUD_PAGES : PMD_PAGES;
    const first = i - (((a.start / PAGE_SIZE + i) % per) as number);
    return { a, first, n: per, level };
  }

  // ---- KernelMapRegion ----
  levelAt(va: number): number {
    const r = this.lookup(va);
    if (!r) return BLK_NONE;
    return r.level === '1g' ? BLK_GB : r.level === '2m' ? BLK_LARGE : BLK_PTE;
  }
  pteAt(va: number): number {
    return this.lookup(va)?.bits ?? 0;
  }
  largeBitsAt(va: number): number {
    return this.lookup(va)!.bits;
  }
  pfnAt(va: number): number {
    const r = this.lookup(va);
    return r ? r.pfn : -1;
  }
  setPteAt(va: number, bits: number): void {
    const a = this.findArea(va)!;
    const i = Math.floor((va - a.start) / PAGE_SIZE);
    updateRange(a, i, i + 1, (g) => (g.bits = bits));
  }
  setLargeAt(va: number, bits: number): void {
    const { a, first, n } = this.leafPages(va);
    updateRange(a, first, first + n, (g) => (g.bits = bits));
  }
  /** CPA split: a 1 GiB leaf becomes 2 MiB leaves with the same bits; a 2 MiB leaf becomes 4 KiB entries (4 KiB layout). */
  splitAt(va: number): '2m' | '4m' | '1g' {
    const { a, first, n, level } = this.leafPages(va);
    if (level === BLK_GB) {
      updateRange(a, first, first + n, (g) => (g.level = BLK_LARGE));
      return '1g';
    }
    if (level !== BLK_LARGE) throw new Error('split of a non-large vmalloc leaf');
    updateRange(a, first, first + n, (g) => {
      g.bits = protvalLargeTo4k(g.bits);
      g.level = BLK_PTE;
    });
    return '2m';
  }
}

/**
 * `vunmap(addr)` (mm/vmalloc.c) with the kernel's reaction to a bad address:
 * `remove_vm_area()` WARNs `"Trying to vfree() bad address (%p)\n"` for an
 * address that is not page-aligned, and `vunmap()` WARNs
 * `KERN_ERR "Trying to vunmap() nonexistent vm area (%p)\n"` when no area
 * holds it (since v6.3, "mm: split __vunmap"; before, `__vunmap()` said
 * "Trying to vfree() nonexistent vm area"), then returns. NULL does nothing.
 * `%p` is shown unhashed (as with no_hash_pointers).
 */
export function vunmapCall(k: MmContext, va: number): void {
  if (va === 0) return;
  const how = k.vmalloc.vunmap(va);
  if (how === 'ok') return;
  const p = (k.layout.kvBias + BigInt(va)).toString(16).padStart(k.is64 ? 16 : 8, '0');
  const fn = k.machine.kernel === '6.1' ? 'vfree' : 'vunmap';
  k.log.emit('warning-splat', how === 'unaligned' ? `WARNING: Trying to vfree() bad address (${p})` : `WARNING: Trying to ${fn}() nonexistent vm area (${p})`);
}
