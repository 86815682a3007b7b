/**
 * The CPA engine: `change_page_attr_set_clr()` and its helpers
 * (arch/x86/mm/pat/set_memory.c; spec 03 §2).
 *
 * A request names pages either by a start address and a count or, in pages
 * mode, by an array of pages (pfns here). Each page's leaf gets
 * `(old & ~maskClr) | maskSet` (OR semantics, §2.4); large leaves are kept,
 * rewritten whole or split (§2.7); the direct-map and high-map aliases of a
 * page reached through another address are changed too (§2.6); one final
 * flush ends the call (§2.8). Static protections (text NX, rodata RO, W^X)
 * are not modelled: the model's PTEs keep only present, RW and cache bits.
 */

import { CM } from '../../hw/cache-mode.js';
import { PAGE_CACHE_MASK, PAGE_PSE, protval4kToLarge, protvalLargeTo4k } from '../../hw/pte.js';
import { kvToBigint } from '../context.js';
import { EFAULT, ENOMEM } from '../errno.js';
import { KernelFatal } from '../fatal.js';
import { BLK_GB, BLK_NONE, BLK_PTE, type KernelMapRegion } from './kernel-pgtable.js';
import { GB_PFNS, PAGE_PRESENT } from './linear-map.js';
import type { MmContext } from './mm-context.js';
import { warnOnce } from './warn.js';

export interface CpaRequest {
  /** The API on whose behalf CPA runs, for the event log (e.g. `set_pages_array_wc`). */
  caller: string;
  /** Addresses mode: first virtual address (stored form). */
  vaddr?: number;
  /** Pages mode (`CPA_PAGES_ARRAY`): pfns of the pages. */
  pages?: ArrayLike<number>;
  numpages: number;
  /** PTE bits to set / clear, 4 KiB layout. */
  maskSet: number;
  maskClr: number;
  forceSplit?: boolean;
  /** `CPA_NO_CHECK_ALIAS`. */
  noCheckAlias?: boolean;
}

/** `struct cpa_data`. */
interface CpaData {
  /** `*cpa->vaddr` (addresses mode); unused in pages mode, where the kernel's pointer is NULL. */
  vaddr: number;
  pages: ArrayLike<number> | null;
  numpages: number;
  curpage: number;
  maskSet: number;
  maskClr: number;
  forceSplit: boolean;
  noCheckAlias: boolean;
  /** CPA_FLUSHTLB: something was changed (per cpa_data: an alias pass's copy does not report back). */
  flushTlb: boolean;
  forceFlushAll: boolean;
  pfn: number;
  /** Shared by a call and its alias passes: leaves changed. */
  tally: { changed: number };
}

const KERNEL_MIN = 2 ** 47;

/** The printable `%lx` of a stored virtual address (user addresses are stored as they are). */
export function printVa(k: MmContext, va: number): string {
  if (k.is64 && va >= KERNEL_MIN) return kvToBigint(k.layout, va).toString(16);
  return va.toString(16);
}

/** `__cpa_addr(cpa, idx)`: pages mode gives the page's direct-map address, or 0 for a highmem page. */
function cpaAddr(k: MmContext, cpa: CpaData, idx: number): number {
  if (cpa.pages) {
    const pfn = cpa.pages[idx]!;
    // PageHighMem() ? 0 : page_address() (the direct-map address), inlined: this runs per page.
    if (k.pages.isHighMem(pfn)) return 0;
    return k.layout.pageOffset + pfn * 4096;
  }
  return cpa.vaddr + idx * 4096;
}

/** `within(addr, PAGE_OFFSET, PAGE_OFFSET + (max_pfn_mapped << PAGE_SHIFT))`. */
function withinDirectWindow(k: MmContext, va: number): boolean {
  const start = k.layout.pageOffset;
  return va >= start && va < start + k.directMap.maxPfnMapped * 4096;
}

/** Coalesces 4 KiB PTE writes into `pte` events (consecutive addresses and pfns, same bits). */
class PteRunLog {
  private run: { space: 'direct' | 'highmap' | 'vmalloc' | 'kmap'; vaddr: number; pfn: number; npages: number; bits: number } | null = null;
  constructor(private readonly k: MmContext) {}
  write(space: 'direct' | 'highmap' | 'vmalloc' | 'kmap', vaddr: number, pfn: number, bits: number): void {
    const r = this.run;
    if (r && r.space === space && r.bits === bits && r.vaddr + r.npages * 4096 === vaddr && r.pfn + r.npages === pfn) {
      r.npages++;
      return;
    }
    this.flush();
    this.run = { space, vaddr, pfn, npages: 1, bits };
  }
  flush(): void {
    const r = this.run;
    if (!r) return;
    this.k.log.events.push({ kind: 'pte', step: this.k.log.step, space: r.space, vaddr: r.vaddr, pfn: r.pfn, npages: r.npages, level: '4k', bits: r.bits });
    this.run = null;
  }
}

/** Per-call context shared with the helpers. */
interface CallCtx {
  k: MmContext;
  ptes: PteRunLog;
  /** Pages-mode primary writes are not logged per page (the `cpa` event carries the page list). */
  logPrimary: boolean;
  stats: boolean;
}

/**
 * `change_page_attr_set_clr()` (spec 03 §2.1–§2.9): 0, -EFAULT or -ENOMEM.
 * Throws `KernelFatal` (after logging a `fatal` event) where the kernel
 * oopses: a fault in pages mode that reaches the WARN (a highmem page,
 * spec 03 §5.3).
 */
export function changePageAttrSetClr(k: MmContext, req: CpaRequest): number {
  // canon_pgprot(): every bit the model represents is supported.
  const maskSet = req.maskSet;
  const maskClr = req.maskClr;
  if (!maskSet && !maskClr && !req.forceSplit) return 0;
  let vaddr = req.vaddr ?? 0;
  if (!req.pages && vaddr % 4096 !== 0) {
    vaddr -= vaddr % 4096;
    warnOnce(k, 'change_page_attr_set_clr');
  }
  // Must avoid aliasing mappings in the highmem code.
  k.counters.kmapFlushUnused++;
  k.highmem.kmapFlushUnused();
  k.counters.vmUnmapAliases++;
  k.vmalloc.vmUnmapAliases();
  k.counters.cpaCalls++;

  const cpa: CpaData = {
    vaddr,
    pages: req.pages ?? null,
    numpages: req.numpages,
    curpage: 0,
    maskSet,
    maskClr,
    forceSplit: req.forceSplit ?? false,
    noCheckAlias: req.noCheckAlias ?? false,
    flushTlb: false,
    forceFlushAll: false,
    pfn: 0,
    tally: { changed: 0 },
  };
  const ctx: CallCtx = { k, ptes: new PteRunLog(k), logPrimary: !req.pages, stats: k.machine.config.cpaStatistics };
  const event = {
    kind: 'cpa' as const,
    step: k.log.step,
    caller: req.caller,
    vaddr,
    npages: req.numpages,
    pages: req.pages ?? null,
    maskSet,
    maskClr,
    changed: 0,
    ret: 0,
  };
  let ret: number;
  try {
    ret = changePageAttrSetClrInner(ctx, cpa, true);
  } finally {
    ctx.ptes.flush();
    event.changed = cpa.tally.changed;
  }
  event.ret = ret;
  k.log.events.push(event);
  if (!cpa.flushTlb) return ret;
  // No cache flush when no caching attribute is set.
  const cache = k.tables.pgprot2cachemode(maskSet & PAGE_CACHE_MASK) !== CM.WB;
  if (ret) {
    cpaFlushAll(k, cache);
    return ret;
  }
  cpaFlush(k, cpa, cache);
  return ret;
}

/** `__change_page_attr_set_clr(cpa, primary)` (spec 03 §2.3). */
function changePageAttrSetClrInner(ctx: CallCtx, cpa: CpaData, primary: boolean): number {
  const numpages = cpa.numpages;
  let rempages = numpages;
  let ret = 0;
  if (!(cpa.maskSet | cpa.maskClr) && !cpa.forceSplit) return 0;
  while (rempages) {
    cpa.numpages = rempages;
    // Array changes cannot use large pages.
    if (cpa.pages) cpa.numpages = 1;
    ret = changePageAttr(ctx, cpa, primary);
    if (ret) break;
    if (primary && !cpa.noCheckAlias) {
      ret = cpaProcessAlias(ctx, cpa);
      if (ret) break;
    }
    rempages -= cpa.numpages;
    cpa.curpage += cpa.numpages;
  }
  cpa.numpages = numpages;
  return ret;
}

/** `__change_page_attr(cpa, primary)` (spec 03 §2.4): one step at the current page. */
function changePageAttr(ctx: CallCtx, cpa: CpaData, primary: boolean): number {
  const k = ctx.k;
  if (cpa.pages) {
    const r = pagesModeFast(ctx, cpa);
    if (r !== null) return r;
  }
  const address = cpaAddr(k, cpa, cpa.curpage);
  for (;;) {
    const region = k.pgtable.regionOf(address);
    const level = region ? region.levelAt(address) : BLK_NONE;
    if (!region || level === BLK_NONE) return cpaProcessFault(ctx, cpa, address, primary);
    if (level === BLK_PTE) {
      const old = region.pteAt(address);
      const pfn = region.pfnAt(address);
      const next = (old & ~cpa.maskClr) | cpa.maskSet;
      if (ctx.stats) k.counters.stats.setChecked4K++;
      cpa.pfn = pfn;
      if (next !== old) {
        region.setPteAt(address, next);
        cpa.flushTlb = true;
        cpa.tally.changed++;
        if (ctx.logPrimary || !primary) ctx.ptes.write(region.space, address, pfn, next);
      }
      cpa.numpages = 1;
      return 0;
    }
    const doSplit = shouldSplitLargePage(ctx, cpa, region, level, address);
    if (doSplit <= 0) return doSplit;
    const err = splitLargePage(ctx, region, address);
    if (err) return err;
  }
}

/**
 * The 4 KiB-leaf case of `__change_page_attr` for a lowmem page in pages
 * mode, done on the direct map by pfn: the same lookup and update as the
 * general path (the page's address is its direct-map address), without
 * building kernel virtual addresses, which are doubles beyond the small-int
 * range and cost an allocation each time they cross a call. Returns null
 * when the general path must run (highmem, large leaf, hole).
 */
function pagesModeFast(ctx: CallCtx, cpa: CpaData): number | null {
  const k = ctx.k;
  const pfn = cpa.pages![cpa.curpage]!;
  if (k.pages.isHighMem(pfn)) return null;
  const map = k.directMap.map;
  if (map.levelOf(pfn) !== BLK_PTE) return null;
  const old = map.pteOf(pfn);
  if (old === 0) return null;
  const next = (old & ~cpa.maskClr) | cpa.maskSet;
  if (ctx.stats) k.counters.stats.setChecked4K++;
  cpa.pfn = pfn;
  if (next !== old) {
    map.setPte(pfn, next);
    cpa.flushTlb = true;
    cpa.tally.changed++;
  }
  cpa.numpages = 1;
  return 0;
}

/**
 * `should_split_large_page()` (spec 03 §2.7 steps 1–8): 1 = split, 0 = done
 * (large leaf kept or rewritten whole, `cpa.numpages` lowered to the pages
 * left in the leaf).
 */
function shouldSplitLargePage(ctx: CallCtx, cpa: CpaData, region: KernelMapRegion, level: number, address: number): number {
  if (cpa.forceSplit) return 1;
  const k = ctx.k;
  const isGb = level === BLK_GB;
  const leafPfns = isGb ? GB_PFNS : region.largePfns;
  if (ctx.stats) {
    if (isGb) k.counters.stats.checked1G++;
    else k.counters.stats.checked2M++;
  }
  const oldProt = region.largeBitsAt(address);
  const pfn = region.pfnAt(address);
  const idx = ((pfn % leafPfns) + leafPfns) % leafPfns;
  const toEnd = leafPfns - idx;
  if (toEnd < cpa.numpages) cpa.numpages = toEnd;
  // Masks are in the 4 KiB layout: convert, apply, convert back, keep PSE.
  let req = protvalLargeTo4k(oldProt);
  req = (req & ~cpa.maskClr) | cpa.maskSet;
  req = protval4kToLarge(req);
  if (req & PAGE_PRESENT) req |= PAGE_PSE;
  cpa.pfn = pfn;
  if (req === oldProt) {
    if (ctx.stats) {
      if (isGb) k.counters.stats.sameprot1G++;
      else k.counters.stats.sameprot2M++;
    }
    return 0;
  }
  if (idx !== 0 || cpa.numpages !== leafPfns) return 1;
  region.setLargeAt(address, req);
  cpa.flushTlb = true;
  cpa.tally.changed++;
  k.log.events.push({
    kind: 'pte',
    step: k.log.step,
    space: region.space,
    vaddr: address,
    pfn,
    npages: leafPfns,
    level: isGb ? '1g' : region.largePfns === 1024 ? '4m' : '2m',
    bits: protvalLargeTo4k(req),
  });
  if (ctx.stats) {
    if (isGb) k.counters.stats.preserved1G++;
    else k.counters.stats.preserved2M++;
  }
  return 0;
}

/**
 * `split_large_page()` (spec 03 §2.7 "Split"): allocate a page-table page
 * (-ENOMEM if none), split one level, update the DirectMap counters when the
 * address is a linear-map address (`virt_addr_valid`: the direct map and, on
 * x86-64, the high kernel map too), then one global TLB flush.
 */
function splitLargePage(ctx: CallCtx, region: KernelMapRegion, address: number): number {
  const k = ctx.k;
  const base = k.allocator.allocPages('GFP_KERNEL', 0);
  if (base < 0) return -ENOMEM;
  k.counters.ptPagesAllocated++;
  const from = region.splitAt(address);
  if (region.space === 'direct' || region.space === 'highmap') {
    const pfn = region.pfnAt(address);
    if (k.directMap.pfnRangeIsMapped(pfn, pfn + 1)) k.directMap.splitPageCount(from);
  }
  if (from === '1g') k.counters.split1G++;
  else k.counters.split2M++;
  k.log.events.push({ kind: 'split', step: k.log.step, space: region.space === 'highmap' ? 'highmap' : region.space === 'direct' ? 'direct' : 'vmalloc', vaddr: address - (address % 4096), from });
  flushTlbAll(k);
  return 0;
}

/** `__cpa_process_fault()` (spec 03 §2.5). */
function cpaProcessFault(ctx: CallCtx, cpa: CpaData, vaddr: number, primary: boolean): number {
  const k = ctx.k;
  if (!primary) {
    cpa.numpages = 1;
    return 0;
  }
  // Holes in the direct map are expected.
  if (withinDirectWindow(k, vaddr)) {
    cpa.numpages = 1;
    cpa.pfn = Math.floor((vaddr - k.layout.pageOffset) / 4096);
    return 0;
  }
  if (k.directMap.cpaPfnInHighmap(cpa.pfn)) return -EFAULT;
  if (cpa.pages) {
    // The WARN's second argument reads *cpa->vaddr, a NULL pointer in pages mode.
    const text = `BUG: kernel NULL pointer dereference, address: ${'0'.repeat(k.is64 ? 16 : 8)}`;
    k.log.events.push({ kind: 'fatal', step: k.log.step, what: 'oops', text });
    throw new KernelFatal('oops', text, '__cpa_process_fault');
  }
  k.log.emit('warning-splat', `WARNING: CPA: called for zero pte. vaddr = ${printVa(k, vaddr)} cpa->vaddr = ${printVa(k, cpa.vaddr)}`);
  return -EFAULT;
}

/** `cpa_process_alias()` (spec 03 §2.6). */
function cpaProcessAlias(ctx: CallCtx, cpa: CpaData): number {
  const k = ctx.k;
  const dm = k.directMap;
  if (!dm.pfnRangeIsMapped(cpa.pfn, cpa.pfn + 1)) return 0;
  // Pages mode, lowmem page: the address is the page's direct-map address (in the window, outside the image).
  if (cpa.pages && !k.pages.isHighMem(cpa.pages[cpa.curpage]!) && cpa.pfn === cpa.pages[cpa.curpage] && !dm.cpaPfnInHighmap(cpa.pfn)) return 0;
  const vaddr = cpaAddr(k, cpa, cpa.curpage);
  if (!withinDirectWindow(k, vaddr)) {
    const alias: CpaData = { ...cpa, vaddr: dm.va(cpa.pfn), pages: null, curpage: 0 };
    cpa.forceFlushAll = true;
    const ret = changePageAttrSetClrInner(ctx, alias, false);
    if (ret) return ret;
  }
  if (k.is64 && dm.highMap && k.layout.highMapBase !== null) {
    const text = k.layout.highMapBase + dm.kernelImage.start;
    const brkEnd = k.layout.highMapBase + dm.kernelImage.end;
    if (!(vaddr >= text && vaddr < brkEnd) && dm.cpaPfnInHighmap(cpa.pfn)) {
      const alias: CpaData = { ...cpa, vaddr: k.layout.highMapBase + cpa.pfn * 4096, pages: null, curpage: 0 };
      cpa.forceFlushAll = true;
      // The high mapping range is imprecise: the result is ignored.
      changePageAttrSetClrInner(ctx, alias, false);
    }
  }
  return 0;
}

/** IPIs of one cross-CPU operation. */
function ipiRound(k: MmContext): void {
  k.counters.ipis += Math.max(k.machine.cpu.nCpus - 1, 0);
}

/** `flush_tlb_all()`. */
export function flushTlbAll(k: MmContext): void {
  k.counters.tlbFlushAll++;
  ipiRound(k);
}

/** `cpa_flush_all(cache)`: every CPU flushes its TLB, and runs WBINVD when `cache` (family >= 4). */
function cpaFlushAll(k: MmContext, cache: boolean): void {
  k.counters.cpuFlushAllRounds++;
  if (cache && k.machine.cpu.family >= 4) k.counters.wbinvdRounds++;
  ipiRound(k);
}

/** `cpa_flush(cpa, cache)` (spec 03 §2.8). */
function cpaFlush(k: MmContext, cpa: CpaData, cache: boolean): void {
  if (cache && !k.machine.cpu.clflush) {
    cpaFlushAll(k, cache);
    return;
  }
  if (cpa.forceFlushAll || cpa.numpages > k.tlbSinglePageFlushCeiling) flushTlbAll(k);
  else {
    k.counters.tlbFlushRounds++;
    k.counters.tlbFlushPages += cpa.numpages;
    ipiRound(k);
  }
  if (!cache) return;
  // CLFLUSH every page of the request that currently has a present leaf.
  const pages = cpa.pages;
  const map = k.directMap.map;
  for (let i = 0; i < cpa.numpages; i++) {
    if (pages && !k.pages.isHighMem(pages[i]!)) {
      // A lowmem page's address is its direct-map address: look it up by pfn.
      if (map.present(pages[i]!)) k.counters.clflushPages++;
      continue;
    }
    const addr = cpaAddr(k, cpa, i);
    if (k.pgtable.present(addr)) k.counters.clflushPages++;
  }
}

