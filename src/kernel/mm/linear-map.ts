/**
 * A linearly mapped kernel region — virtual `vbase + pfn * 4096` maps pfn —
 * with leaves of 4 KiB, large (2 MiB, 4 MiB on 32-bit non-PAE) and 1 GiB
 * pages: the direct map and the x86-64 high kernel map (spec 03 §1).
 *
 * State is typed arrays: a level per large-page block, large-layout bits per
 * large block and per 1 GiB block, and one byte per pfn for blocks that were
 * split to 4 KiB (the low byte of the PTE: present, RW, PWT, PCD, PAT). A
 * 4 KiB entry of 0 is `pte_none` (a hole). Splits are one-way (spec 03 §1.3).
 */

import { PAGE_PSE, protvalLargeTo4k } from '../../hw/pte.js';
import type { LeafLevel, PteRef } from '../context.js';
import { PageBytes } from './page-chunks.js';

/** `_PAGE_PRESENT`, `_PAGE_RW`. */
export const PAGE_PRESENT = 1 << 0;
export const PAGE_RW = 1 << 1;
/** PAGE_KERNEL as far as the model keeps it (NX, global, dirty... are not modelled). */
export const PAGE_KERNEL_BITS = PAGE_PRESENT | PAGE_RW;
/** PAGE_KERNEL_LARGE: PAGE_KERNEL with PSE. */
export const PAGE_KERNEL_LARGE_BITS = PAGE_PRESENT | PAGE_RW | PAGE_PSE;

/** Level of a block: nothing mapped, a 4 KiB page table, one large leaf, part of a 1 GiB leaf. */
export const BLK_NONE = 0;
export const BLK_PTE = 1;
export const BLK_LARGE = 2;
export const BLK_GB = 3;

/** Pfns per 1 GiB page. */
export const GB_PFNS = 1 << 18;

export class LinearMap {
  /** Pfns per large leaf: 512 (2 MiB) or 1024 (4 MiB, 32-bit non-PAE). */
  readonly largePfns: number;
  readonly largeLevel: '2m' | '4m';
  readonly blockLevel: Uint8Array;
  readonly blockBits: Uint16Array;
  readonly gbBits: Uint16Array;
  /** 4 KiB-entry byte per pfn in `[pfnStart, pfnEnd)`, indexed from pfnStart (chunks: only split blocks' entries cost memory, as the kernel's PTE pages do). */
  readonly pte: PageBytes;
  private readonly blockBase: number;
  private readonly gbBase: number;

  constructor(
    /** Stored virtual address of pfn 0 (PAGE_OFFSET, or __START_KERNEL_map minus phys_base). */
    readonly vbase: number,
    readonly pfnStart: number,
    readonly pfnEnd: number,
    largePfns: 512 | 1024,
  ) {
    this.largePfns = largePfns;
    this.largeLevel = largePfns === 1024 ? '4m' : '2m';
    this.blockBase = Math.floor(pfnStart / largePfns);
    const nBlocks = Math.ceil(pfnEnd / largePfns) - this.blockBase;
    this.blockLevel = new Uint8Array(Math.max(nBlocks, 0));
    this.blockBits = new Uint16Array(Math.max(nBlocks, 0));
    this.gbBase = Math.floor(pfnStart / GB_PFNS);
    this.gbBits = new Uint16Array(Math.max(Math.ceil(pfnEnd / GB_PFNS) - this.gbBase, 0));
    this.pte = new PageBytes(Math.max(pfnEnd - pfnStart, 0));
    this.vstart = vbase + pfnStart * 4096;
    this.vend = vbase + pfnEnd * 4096;
  }

  /** The virtual window `[vstart, vend)` of this region (stored form). */
  readonly vstart: number;
  readonly vend: number;

  contains(va: number): boolean {
    return va >= this.vstart && va < this.vend;
  }

  /** pfn addressed by `va` (no check that it is mapped). */
  pfnOf(va: number): number {
    return Math.floor((va - this.vbase) / 4096);
  }

  vaOf(pfn: number): number {
    return this.vbase + pfn * 4096;
  }

  block(pfn: number): number {
    return Math.floor(pfn / this.largePfns) - this.blockBase;
  }

  gb(pfn: number): number {
    return Math.floor(pfn / GB_PFNS) - this.gbBase;
  }

  /** BLK_* level of the leaf mapping `pfn`, with BLK_PTE meaning a present or none 4 KiB entry (see `pteOf`). */
  levelOf(pfn: number): number {
    if (pfn < this.pfnStart || pfn >= this.pfnEnd) return BLK_NONE;
    return this.blockLevel[this.block(pfn)]!;
  }

  /** The 4 KiB entry of `pfn` (0 = none); only meaningful at BLK_PTE. */
  pteOf(pfn: number): number {
    return this.pte.get(pfn - this.pfnStart);
  }

  /** Whether `pfn` is mapped by a present leaf. */
  present(pfn: number): boolean {
    const l = this.levelOf(pfn);
    if (l === BLK_NONE) return false;
    if (l === BLK_PTE) return this.pteOf(pfn) !== 0;
    return true;
  }

  /** The leaf mapping `pfn` as a PteRef (bits in the leaf's own layout), or null if none. */
  lookup(pfn: number): PteRef | null {
    const l = this.levelOf(pfn);
    if (l === BLK_NONE) return null;
    if (l === BLK_PTE) {
      const b = this.pteOf(pfn);
      return b === 0 ? null : { pfn, level: '4k', leafStart: this.vaOf(pfn), bits: b };
    }
    if (l === BLK_LARGE) {
      const start = Math.floor(pfn / this.largePfns) * this.largePfns;
      return { pfn, level: this.largeLevel, leafStart: this.vaOf(start), bits: this.blockBits[this.block(pfn)]! };
    }
    const start = Math.floor(pfn / GB_PFNS) * GB_PFNS;
    return { pfn, level: '1g', leafStart: this.vaOf(start), bits: this.gbBits[this.gb(pfn)]! };
  }

  /** Leaf size in pfns of a level. */
  leafPfns(level: LeafLevel): number {
    return level === '4k' ? 1 : level === '1g' ? GB_PFNS : this.largePfns;
  }

  /** The 4 KiB-layout cache-relevant bits of the leaf mapping `pfn` (0 if not mapped). */
  bits4k(pfn: number): number {
    const l = this.levelOf(pfn);
    if (l === BLK_PTE) return this.pteOf(pfn);
    if (l === BLK_LARGE) return protvalLargeTo4k(this.blockBits[this.block(pfn)]!);
    if (l === BLK_GB) return protvalLargeTo4k(this.gbBits[this.gb(pfn)]!);
    return 0;
  }

  // ---- writers (boot mapping and CPA) ----

  /**
   * Told of every entry write after boot, before it happens: `n` pfns from
   * `pfn` (a 4 KiB entry, a large leaf or a 1 GiB leaf). The mapping timeline
   * (check/timeline.ts) reads which pfns a step changed from it, at the
   * cost of the writes CPA makes anyway.
   */
  onWrite: ((pfn: number, n: number) => void) | null = null;

  setPte(pfn: number, bits: number): void {
    this.onWrite?.(pfn, 1);
    this.pte.set(pfn - this.pfnStart, bits);
  }

  /** Turn a NONE block into a 4 KiB page table (all entries none). */
  makePteTable(pfn: number): void {
    this.blockLevel[this.block(pfn)] = BLK_PTE;
  }

  setLarge(pfn: number, bits: number): void {
    this.onWrite?.(pfn - (pfn % this.largePfns), this.largePfns);
    const b = this.block(pfn);
    this.blockLevel[b] = BLK_LARGE;
    this.blockBits[b] = bits;
  }

  setGb(pfn: number, bits: number): void {
    const g = this.gb(pfn);
    this.gbBits[g] = bits;
    const first = Math.max(Math.floor(pfn / GB_PFNS) * GB_PFNS, this.pfnStart);
    const last = Math.min(first - (first % GB_PFNS) + GB_PFNS, this.pfnEnd);
    this.onWrite?.(first, last - first);
    this.blockLevel.fill(BLK_GB, this.block(first), this.block(last - 1) + 1);
  }

  /** Whether the block of `pfn` is covered by a 1 GiB leaf. */
  isGb(pfn: number): boolean {
    return this.levelOf(pfn) === BLK_GB;
  }

  /**
   * Split the large leaf mapping `pfn` one level (spec 03 §2.7 "Split"): a
   * 1 GiB leaf becomes large leaves with the same large-layout bits; a large
   * leaf becomes 4 KiB entries with its bits in the 4 KiB layout. Returns the
   * level split.
   */
  split(pfn: number): '2m' | '4m' | '1g' {
    const l = this.levelOf(pfn);
    if (l === BLK_GB) {
      const bits = this.gbBits[this.gb(pfn)]!;
      const first = Math.max(Math.floor(pfn / GB_PFNS) * GB_PFNS, this.pfnStart);
      const last = Math.min(Math.floor(pfn / GB_PFNS) * GB_PFNS + GB_PFNS, this.pfnEnd);
      for (let b = this.block(first); b <= this.block(last - 1); b++) {
        this.blockLevel[b] = BLK_LARGE;
        this.blockBits[b] = bits;
      }
      return '1g';
    }
    if (l === BLK_LARGE) {
      const b = this.block(pfn);
      const bits = protvalLargeTo4k(this.blockBits[b]!);
      const first = Math.max(Math.floor(pfn / this.largePfns) * this.largePfns, this.pfnStart);
      const last = Math.min(Math.floor(pfn / this.largePfns) * this.largePfns + this.largePfns, this.pfnEnd);
      this.pte.fill(bits, first - this.pfnStart, last - this.pfnStart);
      this.blockLevel[b] = BLK_PTE;
      return this.largeLevel;
    }
    throw new Error(`split of a non-large leaf at pfn ${pfn}`);
  }

  /** Count present leaves per level (for tests and state dumps; the meminfo counters are kept separately, as in the kernel). */
  leafCounts(): { k4: number; large: number; g1: number } {
    let k4 = 0;
    let large = 0;
    const gbs = new Set<number>();
    for (let b = 0; b < this.blockLevel.length; b++) {
      const l = this.blockLevel[b]!;
      if (l === BLK_LARGE) large++;
      else if (l === BLK_GB) gbs.add(Math.floor(((b + this.blockBase) * this.largePfns) / GB_PFNS));
      else if (l === BLK_PTE) {
        const s = Math.max((b + this.blockBase) * this.largePfns, this.pfnStart);
        const e = Math.min(s - (s % this.largePfns) + this.largePfns, this.pfnEnd);
        for (let p = s; p < e; p++) if (this.pte.get(p - this.pfnStart) !== 0) k4++;
      }
    }
    return { k4, large, g1: gbs.size };
  }
}

