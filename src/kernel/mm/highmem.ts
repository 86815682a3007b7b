/**
 * Temporary kernel mappings of pages: `page_address`, persistent `kmap` /
 * `kunmap` (pkmap slots), `kmap_local_page[_prot]` / `kunmap_local` (per-CPU
 * fixmap slots) (mm/highmem.c, include/linux/highmem-internal.h; spec 03 §5,
 * spec 05 §1).
 *
 * On x86-64 (and for lowmem pages on 32-bit) all of them return the
 * direct-map address: `kmap_local_page_prot` then ignores the prot. Highmem
 * pages get a slot whose PTE lives here and is visible to CPA lookups. A
 * pkmap slot has a use count as in the kernel: 0 free, 1 mapped but unused
 * (the PTE and `page_address()` stay until `flush_all_zero_pkmaps`), n+1 for
 * n users. Only CPU 0's kmap_local slots are modelled.
 */

import { CLONE, type ClonesItself } from '../clones-itself.js';
import { KernelFatal } from '../fatal.js';
import { NotModelledError } from '../not-modelled.js';
import { BLK_NONE, BLK_PTE, type KernelMapRegion } from './kernel-pgtable.js';
import { PAGE_KERNEL_BITS } from './linear-map.js';
import type { PageArray } from './page.js';
import { PAGE_SIZE } from '../../hw/page.js';


/** How misuse of the kmap API ends: `bug(fn, cond)` is `BUG_ON(cond)` in `fn` of mm/highmem.c (fatal), `warnOnce(site)` a WARN_ON_ONCE. */
export interface HighmemReactions {
  bug(fn: string, cond: string): never;
  warnOnce(site: string): void;
}

const DEFAULT_REACTIONS: HighmemReactions = {
  bug(fn, cond) {
    throw new KernelFatal('BUG', `kernel BUG at mm/highmem.c: ${fn}: ${cond}`, fn);
  },
  warnOnce() {},
};

/** KM_MAX_IDX: kmap_local nesting depth per CPU. */
export const KM_MAX_IDX = 16;

/**
 * A fixed array of 4 KiB slots `[base, base + n pages)` (pkmap) or growing
 * down from `base` (fixmap): each slot's pfn and PTE bits, and for pkmap its
 * `pkmap_count[]`. A copy (kernel/clone.ts) shares the arrays until either
 * writes: most calls map no kmap slot.
 */
class SlotRegion implements KernelMapRegion, ClonesItself {
  readonly space = 'kmap' as const;
  readonly largePfns = 512;
  private pfns: Float64Array;
  private bits: Uint16Array;
  /** `pkmap_count[]` (pkmap only; empty for fixmap). */
  private counts: Int32Array;
  /** The arrays are shared with a copy or its original: copied before the next write. */
  private shared: boolean;
  /** Slots whose PTE is present (nonzero bits): a scan for them stops after this many. */
  private present: number;
  constructor(
    /** Address of slot 0. */
    readonly base: number,
    readonly n: number,
    /** +1: slot i at base + i pages (pkmap); -1: at base - i pages (fixmap). */
    readonly dir: 1 | -1,
    counted: boolean,
    from?: SlotRegion,
  ) {
    this.pfns = from ? from.pfns : new Float64Array(n);
    this.bits = from ? from.bits : new Uint16Array(n);
    this.counts = from ? from.counts : new Int32Array(counted ? n : 0);
    this.shared = from !== undefined;
    this.present = from ? from.present : 0;
  }
  [CLONE](): SlotRegion {
    this.shared = true;
    return new SlotRegion(this.base, this.n, this.dir, this.counts.length > 0, this);
  }
  private writable(): void {
    if (!this.shared) return;
    this.pfns = this.pfns.slice();
    this.bits = this.bits.slice();
    this.counts = this.counts.slice();
    this.shared = false;
  }
  addr(i: number): number {
    return this.base + this.dir * i * PAGE_SIZE;
  }
  contains(va: number): boolean {
    const i = this.index(va);
    return i >= 0 && i < this.n;
  }
  index(va: number): number {
    return this.dir === 1 ? Math.floor((va - this.base) / PAGE_SIZE) : Math.floor((this.base + PAGE_SIZE - 1 - va) / PAGE_SIZE);
  }
  pfnOf(i: number): number {
    return this.pfns[i]!;
  }
  bitsOf(i: number): number {
    return this.bits[i]!;
  }
  /** `pkmap_count[i]`. */
  count(i: number): number {
    return this.counts[i]!;
  }
  setCount(i: number, c: number): void {
    this.writable();
    this.counts[i] = c;
  }
  /** Slot `i` maps `pfn` with `bits`; bits 0 with pfn 0: the slot is cleared. */
  setSlot(i: number, pfn: number, bits: number): void {
    this.writable();
    this.pfns[i] = pfn;
    this.setBits(i, bits);
  }
  private setBits(i: number, bits: number): void {
    this.present += (bits !== 0 ? 1 : 0) - (this.bits[i] !== 0 ? 1 : 0);
    this.bits[i] = bits;
  }
  /** The present slots in slot order. */
  *presentSlots(): Generator<number> {
    for (let i = 0, left = this.present; left > 0 && i < this.n; i++)
      if (this.bits[i] !== 0) {
        left--;
        yield i;
      }
  }
  levelAt(va: number): number {
    return this.bits[this.index(va)] !== 0 ? BLK_PTE : BLK_NONE;
  }
  pteAt(va: number): number {
    return this.bits[this.index(va)]!;
  }
  largeBitsAt(): number {
    throw new NotModelledError('large leaves in kmap slots');
  }
  pfnAt(va: number): number {
    return this.pfns[this.index(va)]!;
  }
  setPteAt(va: number, bits: number): void {
    this.writable();
    this.setBits(this.index(va), bits);
  }
  setLargeAt(): void {
    throw new NotModelledError('large leaves in kmap slots');
  }
  splitAt(): '2m' | '4m' | '1g' {
    throw new NotModelledError('large leaves in kmap slots');
  }
}

export class Highmem {
  /** null on x86-64 (no highmem). */
  readonly pkmap: SlotRegion | null;
  readonly fixmap: SlotRegion | null;
  /** `page_address_htable`: highmem pfn -> pkmap slot. */
  private readonly slotOfPfn = new Map<number, number>();
  private lastPkmapNr = 0;
  /** `kmap_local` stack depth of CPU 0. */
  private localIdx = 0;

  constructor(
    private readonly pages: PageArray,
    /** `__va` of a lowmem pfn. */
    private directVa: (pfn: number) => number,
    layout: { pkmapBase: number | null; fixmapKmapBase: number | null },
    /** LAST_PKMAP: 512 with PAE, 1024 without. */
    readonly lastPkmap: number,
    /** Called when `flush_all_zero_pkmaps` flushes the pkmap range (a TLB flush of LAST_PKMAP pages). */
    private onPkmapFlush: () => void,
    /** The kernel's reaction to misuse: a BUG (fatal, never returns) and a WARN_ON_ONCE at a site. */
    private kernel: HighmemReactions = DEFAULT_REACTIONS,
  ) {
    this.pkmap = layout.pkmapBase === null ? null : new SlotRegion(layout.pkmapBase, lastPkmap, 1, true);
    this.fixmap = layout.fixmapKmapBase === null ? null : new SlotRegion(layout.fixmapKmapBase, KM_MAX_IDX, -1, false);
  }

  /** Point the callbacks into the kernel at another kernel (a clone's, kernel/clone.ts). */
  rewire(directVa: (pfn: number) => number, onPkmapFlush: () => void, reactions: HighmemReactions): void {
    this.directVa = directVa;
    this.onPkmapFlush = onPkmapFlush;
    this.kernel = reactions;
  }

  /** Kernel page-table regions of the kmap slots (none on x86-64). */
  regions(): KernelMapRegion[] {
    return [this.pkmap, this.fixmap].filter((r): r is SlotRegion => r !== null);
  }

  /**
   * `page_address(page)` (spec 03 §5.1): the direct-map address of a lowmem
   * page; for a highmem page its pkmap address while it holds a pkmap slot
   * (even an unused one not yet flushed), else null.
   */
  pageAddress(pfn: number): number | null {
    if (!this.pages.isHighMem(pfn)) return this.directVa(pfn);
    const slot = this.slotOfPfn.get(pfn);
    return slot === undefined ? null : this.pkmap!.addr(slot);
  }

  /** `kmap(page)`: persistent mapping, WB (PAGE_KERNEL). */
  kmap(pfn: number): number {
    if (!this.pages.isHighMem(pfn)) return this.directVa(pfn);
    const pk = this.pkmap!;
    let slot = this.slotOfPfn.get(pfn);
    if (slot === undefined) slot = this.mapNewVirtual(pfn);
    // kmap_high: one more user; 1 would mean "mapped, unused".
    pk.setCount(slot, pk.count(slot) + 1);
    if (pk.count(slot) < 2) this.kernel.bug('kmap_high', 'BUG_ON(pkmap_count[PKMAP_NR(vaddr)] < 2)');
    return pk.addr(slot);
  }

  /** `map_new_virtual()`: the next free slot after the last one used, flushing unused slots on wrap. */
  private mapNewVirtual(pfn: number): number {
    const pk = this.pkmap!;
    for (let count = this.lastPkmap; count > 0; count--) {
      this.lastPkmapNr = (this.lastPkmapNr + 1) & (this.lastPkmap - 1);
      if (this.lastPkmapNr === 0) {
        this.flushAllZeroPkmaps();
        count = this.lastPkmap;
      }
      if (pk.count(this.lastPkmapNr) === 0) {
        const slot = this.lastPkmapNr;
        pk.setSlot(slot, pfn, PAGE_KERNEL_BITS);
        pk.setCount(slot, 1);
        this.slotOfPfn.set(pfn, slot);
        return slot;
      }
    }
    // The kernel sleeps until a slot is released; a single-threaded model cannot.
    throw new NotModelledError('kmap with every pkmap slot in use (the kernel would sleep)');
  }

  /**
   * `kunmap(page)`: one user less; the mapping stays until unused slots are
   * flushed. A highmem page that is not kmapped is a BUG in `kunmap_high()`
   * (mm/highmem.c): `BUG_ON(!vaddr)` when it holds no pkmap slot, and
   * `switch (--pkmap_count[nr]) { case 0: BUG();` when its slot has no user
   * (count 1: mapped, unused).
   */
  kunmap(pfn: number): void {
    if (!this.pages.isHighMem(pfn)) return;
    const slot = this.slotOfPfn.get(pfn);
    if (slot === undefined) this.kernel.bug('kunmap_high', 'BUG_ON(!vaddr)');
    const pk = this.pkmap!;
    if (pk.count(slot) < 2) this.kernel.bug('kunmap_high', 'BUG()');
    pk.setCount(slot, pk.count(slot) - 1);
  }

  /** `flush_all_zero_pkmaps()`: drop every slot with count 1; one TLB flush of the pkmap range if any. */
  private flushAllZeroPkmaps(): void {
    const pk = this.pkmap;
    if (!pk) return;
    let needFlush = false;
    for (let i = 0; i < this.lastPkmap; i++) {
      if (pk.count(i) !== 1) continue;
      pk.setCount(i, 0);
      this.slotOfPfn.delete(pk.pfnOf(i));
      pk.setSlot(i, 0, 0);
      needFlush = true;
    }
    if (needFlush) this.onPkmapFlush();
  }

  /** `kmap_flush_unused()` (called at the start of every CPA call, spec 03 §2.2). */
  kmapFlushUnused(): void {
    this.flushAllZeroPkmaps();
  }

  /** `kmap_local_page(page)`. */
  kmapLocalPage(pfn: number): number {
    return this.kmapLocalPageProt(pfn, PAGE_KERNEL_BITS);
  }

  /**
   * `kmap_local_page_prot(page, prot)`: a lowmem page (and any page on
   * x86-64) returns `page_address()`, ignoring `prot`; a highmem page gets
   * the next fixmap slot of CPU 0 mapped with `bits` (4 KiB layout).
   */
  kmapLocalPageProt(pfn: number, bits: number): number {
    if (!this.pages.isHighMem(pfn)) return this.directVa(pfn);
    const fx = this.fixmap!;
    const i = this.kmapLocalIdxPush();
    fx.setSlot(i, pfn, bits);
    return fx.addr(i);
  }

  /**
   * `__kmap_local_pfn_prot(pfn, prot)` (mm/highmem.c), used by 32-bit
   * `__iomap_local_pfn_prot`: always the next fixmap slot of CPU 0, for any
   * pfn (MMIO included, lowmem too), mapped with `bits` (4 KiB layout).
   */
  kmapLocalPfnProt(pfn: number, bits: number): number | null {
    const fx = this.fixmap;
    if (!fx) return null;
    const i = this.kmapLocalIdxPush();
    fx.setSlot(i, pfn, bits);
    return fx.addr(i);
  }

  /**
   * `kmap_local_idx_push()` (mm/highmem.c): the next slot of the CPU's
   * stack; nesting past KM_MAX_IDX is `BUG_ON(current->kmap_ctrl.idx >=
   * KM_MAX_IDX)`, fatal at that step.
   */
  private kmapLocalIdxPush(): number {
    if (this.localIdx + 1 > KM_MAX_IDX) this.kernel.bug('kmap_local_idx_push', 'BUG_ON(current->kmap_ctrl.idx >= KM_MAX_IDX)');
    return this.localIdx++;
  }

  /**
   * `kunmap_local(addr)` = `kunmap_local_indexed()` (mm/highmem.c): an
   * address outside the fixmap slots (a lowmem page) does nothing; otherwise
   * the top slot is cleared and popped. `addr` not the top slot is
   * `WARN_ON_ONCE(addr != __fix_to_virt(FIX_KMAP_BEGIN + idx))`, and the top
   * is cleared anyway; with nothing mapped the WARN fires and
   * `kmap_local_idx_pop()` hits `BUG_ON(current->kmap_ctrl.idx < 0)`.
   */
  kunmapLocal(va: number): void {
    const fx = this.fixmap;
    if (!fx || !fx.contains(va)) return;
    if (this.localIdx === 0 || fx.index(va) !== this.localIdx - 1) this.kernel.warnOnce('kunmap_local_indexed');
    if (this.localIdx === 0) this.kernel.bug('kmap_local_idx_pop', 'BUG_ON(current->kmap_ctrl.idx < 0)');
    const i = --this.localIdx;
    fx.setSlot(i, 0, 0);
  }

  /** Slots currently mapped, for dumps and the alias checker: [va, pfn, bits]. */
  mappedSlots(): { va: number; pfn: number; bits: number; kind: 'pkmap' | 'fixmap' }[] {
    const out: { va: number; pfn: number; bits: number; kind: 'pkmap' | 'fixmap' }[] = [];
    for (const [r, kind] of [
      [this.pkmap, 'pkmap'],
      [this.fixmap, 'fixmap'],
    ] as const) {
      if (!r) continue;
      for (const i of r.presentSlots()) out.push({ va: r.addr(i), pfn: r.pfnOf(i), bits: r.bitsOf(i), kind });
    }
    return out;
  }
}
