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
 * Per-page state of an area: the pfn (a double, MMIO pfns can exceed 2^31)
 * and the 4 KiB-layout PTE bits (0 = none). Huge leaves are not modelled yet.
 */

import type { PteRef } from '../context.js';
import { NotModelledError } from '../not-modelled.js';
import { BLK_NONE, BLK_PTE, type KernelMapRegion } from './kernel-pgtable.js';

const PAGE = 4096;

export interface VmArea {
  /** Stored virtual address of the first page. */
  readonly start: number;
  /** Reserved size in bytes, guard page included. */
  readonly size: number;
  /** Pages that can be mapped (size without the guard page). */
  readonly npages: number;
  readonly pfns: Float64Array;
  readonly bits: Uint16Array;
  /** Free-form tag for dumps (`vmap`, `ioremap`, ...). */
  readonly caller: string;
  /** Physical address the area was created for (ioremap), if any. */
  phys?: number;
}

export class Vmalloc implements KernelMapRegion {
  readonly space = 'vmalloc' as const;
  readonly largePfns = 512;
  /** Live areas sorted by start. */
  private readonly areas: VmArea[] = [];
  /** Freed areas whose addresses are not reusable before the next purge. */
  private readonly lazy: VmArea[] = [];
  /** Lazily freed areas purged so far (each purge flushes the TLB range in the kernel). */
  purged = 0;

  constructor(
    readonly start: number,
    readonly end: number,
  ) {}

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
   * aligned to `align` that overlaps no live or lazily freed area. Null if the
   * space is full.
   */
  allocArea(size: number, align = PAGE, opts: { guard?: boolean; caller?: string } = {}): VmArea | null {
    if (!(size > 0)) return null;
    const npages = Math.ceil(size / PAGE);
    const total = (npages + (opts.guard === false ? 0 : 1)) * PAGE;
    const al = Math.max(PAGE, align);
    const taken = [...this.areas, ...this.lazy].sort((a, b) => a.start - b.start);
    let addr = Math.ceil(this.start / al) * al;
    for (const a of taken) {
      if (addr + total <= a.start) break;
      if (a.start + a.size > addr) addr = Math.ceil((a.start + a.size) / al) * al;
    }
    if (addr + total > this.end) return null;
    const area: VmArea = {
      start: addr,
      size: total,
      npages,
      pfns: new Float64Array(npages),
      bits: new Uint16Array(npages),
      caller: opts.caller ?? 'vmalloc',
    };
    this.areas.splice(this.insertIndex(addr), 0, area);
    return area;
  }

  private insertIndex(addr: number): number {
    let lo = 0;
    let hi = this.areas.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.areas[mid]!.start < addr) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /**
   * Map pages into an area from its first page: `physOrPfns` is either the
   * first pfn of a physically contiguous run (ioremap) of `count` pages, or a
   * list of pfns (vmap). `bits` are 4 KiB-layout PTE bits (present included).
   */
  mapPages(area: VmArea, physOrPfns: { pfn: number; count: number } | ArrayLike<number>, bits: number, level: '4k' | '2m' | '1g' = '4k'): void {
    if (level !== '4k') throw new NotModelledError(`huge (${level}) leaves in the vmalloc area`);
    if ('pfn' in physOrPfns && typeof physOrPfns.pfn === 'number' && !('length' in physOrPfns)) {
      if (physOrPfns.count > area.npages) throw new RangeError('mapping larger than the area');
      for (let i = 0; i < physOrPfns.count; i++) {
        area.pfns[i] = physOrPfns.pfn + i;
        area.bits[i] = bits;
      }
      return;
    }
    const list = physOrPfns as ArrayLike<number>;
    if (list.length > area.npages) throw new RangeError('mapping larger than the area');
    for (let i = 0; i < list.length; i++) {
      area.pfns[i] = list[i]!;
      area.bits[i] = bits;
    }
  }

  /** The area containing `va` (guard page included), or null. */
  findArea(va: number): VmArea | null {
    let lo = 0;
    let hi = this.areas.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const a = this.areas[mid]!;
      if (va < a.start) hi = mid - 1;
      else if (va >= a.start + a.size) lo = mid + 1;
      else return a;
    }
    return null;
  }

  /** `free_vm_area()`/`remove_vm_area()`: unmap now, release the address at the next purge. */
  freeArea(area: VmArea): void {
    const i = this.areas.indexOf(area);
    if (i < 0) throw new Error('freeArea: not a live area');
    this.areas.splice(i, 1);
    area.bits.fill(0);
    this.lazy.push(area);
  }

  /** `vm_unmap_aliases()`: purge lazily freed areas; returns how many were purged. */
  vmUnmapAliases(): number {
    const n = this.lazy.length;
    this.lazy.length = 0;
    this.purged += n;
    return n;
  }

  /** `vmap(pages, count, VM_MAP, prot)`: a new alias of the pages with `bits`; PAT is not consulted (spec 03 §5.2). */
  vmap(pfns: ArrayLike<number>, bits: number): number | null {
    const area = this.allocArea(pfns.length * PAGE, PAGE, { caller: 'vmap' });
    if (!area) return null;
    this.mapPages(area, pfns, bits);
    return area.start;
  }

  /** `vunmap(addr)`. Unknown address: WARN in the kernel; here an error. */
  vunmap(va: number): void {
    const a = this.findArea(va);
    if (!a || a.start !== va) throw new Error(`vunmap: bad address ${va.toString(16)}`);
    this.freeArea(a);
  }

  /** The present 4 KiB leaf at `va`, or null. */
  lookup(va: number): PteRef | null {
    const a = this.findArea(va);
    if (!a) return null;
    const i = Math.floor((va - a.start) / PAGE);
    if (i >= a.npages || a.bits[i] === 0) return null;
    return { pfn: a.pfns[i]!, level: '4k', leafStart: a.start + i * PAGE, bits: a.bits[i]! };
  }

  // ---- KernelMapRegion ----
  levelAt(va: number): number {
    return this.lookup(va) ? BLK_PTE : BLK_NONE;
  }
  pteAt(va: number): number {
    return this.lookup(va)?.bits ?? 0;
  }
  largeBitsAt(): number {
    throw new NotModelledError('huge leaves in the vmalloc area');
  }
  pfnAt(va: number): number {
    const r = this.lookup(va);
    return r ? r.pfn : -1;
  }
  setPteAt(va: number, bits: number): void {
    const a = this.findArea(va)!;
    a.bits[Math.floor((va - a.start) / PAGE)] = bits;
  }
  setLargeAt(): void {
    throw new NotModelledError('huge leaves in the vmalloc area');
  }
  splitAt(): '2m' | '4m' | '1g' {
    throw new NotModelledError('huge leaves in the vmalloc area');
  }
}
