/**
 * The kernel page table as CPA sees it: a few regions of the kernel virtual
 * address space, each answering `lookup_address()` for its addresses
 * (arch/x86/mm/pat/set_memory.c `lookup_address`; spec 03 §2.4).
 *
 * Regions: the direct map and the x86-64 high kernel map (`LinearMap`s, with
 * large leaves), the vmalloc area (vmap/ioremap), and on 32-bit the pkmap
 * and fixmap kmap slots. Anything else (user addresses, address 0) has no
 * kernel mapping.
 */

import type { PteRef } from '../context.js';
import { BLK_GB, BLK_LARGE, BLK_NONE, BLK_PTE, GB_PFNS, type LinearMap } from './linear-map.js';

export type KernelSpace = 'direct' | 'highmap' | 'vmalloc' | 'kmap';

/** One region of kernel virtual addresses. Addresses are stored-form numbers. */
export interface KernelMapRegion {
  readonly space: KernelSpace;
  contains(va: number): boolean;
  /** BLK_NONE (no entry / none), BLK_PTE (4 KiB leaf), BLK_LARGE, BLK_GB. */
  levelAt(va: number): number;
  /** 4 KiB entry bits at `va`, 0 = none (BLK_PTE only). */
  pteAt(va: number): number;
  /** Large-layout bits of the large/GB leaf at `va`. */
  largeBitsAt(va: number): number;
  /** pfn mapped at `va` (present leaves only). */
  pfnAt(va: number): number;
  setPteAt(va: number, bits: number): void;
  setLargeAt(va: number, bits: number): void;
  /** Split the large leaf at `va` one level; returns the level split. */
  splitAt(va: number): '2m' | '4m' | '1g';
  /** Pages per large leaf for BLK_LARGE (512 or 1024). */
  readonly largePfns: number;
}

/** A `LinearMap` seen as a region. */
export class LinearRegion implements KernelMapRegion {
  readonly largePfns: number;
  constructor(
    readonly space: KernelSpace,
    readonly map: LinearMap,
  ) {
    this.largePfns = map.largePfns;
  }
  contains(va: number): boolean {
    return this.map.contains(va);
  }
  levelAt(va: number): number {
    const pfn = this.map.pfnOf(va);
    const l = this.map.levelOf(pfn);
    if (l === BLK_PTE && this.map.pteOf(pfn) === 0) return BLK_NONE;
    return l;
  }
  pteAt(va: number): number {
    return this.map.pteOf(this.map.pfnOf(va));
  }
  largeBitsAt(va: number): number {
    const pfn = this.map.pfnOf(va);
    return this.map.levelOf(pfn) === BLK_GB ? this.map.gbBits[this.map.gb(pfn)]! : this.map.blockBits[this.map.block(pfn)]!;
  }
  pfnAt(va: number): number {
    return this.map.pfnOf(va);
  }
  setPteAt(va: number, bits: number): void {
    this.map.setPte(this.map.pfnOf(va), bits);
  }
  setLargeAt(va: number, bits: number): void {
    const pfn = this.map.pfnOf(va);
    if (this.map.levelOf(pfn) === BLK_GB) this.map.setGb(pfn, bits);
    else this.map.setLarge(pfn, bits);
  }
  splitAt(va: number): '2m' | '4m' | '1g' {
    return this.map.split(this.map.pfnOf(va));
  }
}

export class KernelPageTable {
  private readonly regions: KernelMapRegion[] = [];

  add(region: KernelMapRegion): void {
    this.regions.push(region);
  }

  /** The region holding `va`, or null (no kernel mapping there). */
  regionOf(va: number): KernelMapRegion | null {
    for (const r of this.regions) if (r.contains(va)) return r;
    return null;
  }

  /** Whether a present leaf maps `va` (`lookup_address()` + `_PAGE_PRESENT`), without building a PteRef. */
  present(va: number): boolean {
    const r = this.regionOf(va);
    return r !== null && r.levelAt(va) !== BLK_NONE;
  }

  /**
   * `lookup_address(va)` reduced to what the model needs: the present leaf
   * mapping `va`, or null when there is no entry or it is none.
   */
  lookupAddress(va: number): PteRef | null {
    const r = this.regionOf(va);
    if (!r) return null;
    const l = r.levelAt(va);
    if (l === BLK_NONE) return null;
    const pfn = r.pfnAt(va);
    if (l === BLK_PTE) return { pfn, level: '4k', leafStart: va - (va % 4096), bits: r.pteAt(va) };
    const leafPfns = l === BLK_GB ? GB_PFNS : r.largePfns;
    const off = ((pfn % leafPfns) + leafPfns) % leafPfns;
    const level = l === BLK_GB ? '1g' : r.largePfns === 1024 ? '4m' : '2m';
    return { pfn, level, leafStart: va - (va % 4096) - off * 4096, bits: r.largeBitsAt(va) };
  }
}

export { BLK_GB, BLK_LARGE, BLK_NONE, BLK_PTE };
