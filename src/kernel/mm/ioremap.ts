/**
 * The ioremap family (arch/x86/mm/ioremap.c; spec 03 §4, 02 §14):
 * `__ioremap_caller` and its wrappers, `iounmap`, `memremap`, and the I/O
 * memtype helpers `memtype_reserve_io` / `arch_io_reserve_memtype_wc`.
 *
 * Mappings are made with 4 KiB leaves; the huge-leaf variant of spec 03 §4.6
 * (2 MiB/1 GiB leaves when aligned and MTRR-uniform) is not modelled, which
 * changes no cache mode, only leaf counts and the once-only "Cannot satisfy"
 * warning.
 */

import { cattrName, CM, type CacheMode } from '../../hw/cache-mode.js';
import { PAGE_PCD, PAGE_PWT } from '../../hw/pte.js';
import { EBUSY } from '../errno.js';
import { fmt016Lx } from '../printk.js';
import { isNewMemtypeAllowed } from '../pat/memtype.js';
import type { MmContext } from './mm-context.js';
import { PG_RESERVED } from './page.js';

const PAGE = 4096;
/** _PAGE_PRESENT | _PAGE_RW | _PAGE_ACCESSED | _PAGE_DIRTY | _PAGE_GLOBAL: the non-cache part of PAGE_KERNEL_IO. */
const PAGE_KERNEL_IO_BASE = 0x1 | 0x2 | 0x20 | 0x40 | 0x100;

/** An ioremap'ed range: what iounmap needs and what the checks show. */
export interface IoremapResult {
  /** Kernel virtual address returned to the caller (with the sub-page offset), or null for NULL. */
  vaddr: number | null;
  /** The cache mode the mapping got (after negotiation), when it succeeded. */
  pcm?: CacheMode;
  /** The mode the caller asked for. */
  requested: CacheMode;
  phys: number;
  size: number;
}

function hex(v: number): string {
  return v.toString(16);
}

/**
 * `__ioremap_check_ram()`: does the range hold a System RAM page that is not
 * PageReserved? Such RAM is refused: it is mapped WB by the direct map and an
 * uncached alias would conflict (spec 03 §4.2 step 3).
 */
function rangeHasUnreservedRam(k: MmContext, phys: number, last: number): boolean {
  const first = Math.ceil(phys / PAGE);
  const end = Math.floor((last + 1) / PAGE);
  for (let pfn = first; pfn < end; pfn++) {
    if (!k.systemRam.pageIsRam(pfn)) continue;
    if (pfn >= k.pages.nPfns || (k.pages.flags[pfn]! & PG_RESERVED) === 0) return true;
  }
  return false;
}

/** How many top-level iomem resources the range touches (`iomem_map_sanity_check`, simplified to BAR granularity). */
function resourcesSpanned(k: MmContext, phys: number, last: number): number {
  let n = 0;
  const visit = (list: readonly { start: number; end: number; children?: readonly unknown[] }[]): void => {
    for (const r of list) {
      if (r.start <= last && phys < r.end) {
        const kids = (r.children ?? []) as { start: number; end: number; children?: readonly unknown[] }[];
        if (kids.length > 0) visit(kids);
        else n++;
      }
    }
  };
  visit(k.machine.iomem);
  return n;
}

/** PTE cache bits `__ioremap_caller` writes for a mode (step 7): unexpected modes get UC. */
function ioremapProt(k: MmContext, pcm: CacheMode): number {
  const cm = pcm === CM.WB || pcm === CM.WC || pcm === CM.UC_MINUS || pcm === CM.WT ? pcm : CM.UC;
  return PAGE_KERNEL_IO_BASE | k.tables.cachemode2protval(cm);
}

/**
 * `__ioremap_caller(phys_addr, size, pcm, caller, encrypted)` — spec 03 §4.2.
 * `caller` is what `%pS` prints for the multiple-BARs warning.
 */
export function ioremapCaller(k: MmContext, physIn: number, sizeIn: number, pcmIn: CacheMode, caller = 'patlab'): IoremapResult {
  const fail: IoremapResult = { vaddr: null, requested: pcmIn, phys: physIn, size: sizeIn };
  const last = physIn + sizeIn - 1;
  if (sizeIn === 0 || last < physIn) return fail;
  if (physIn >= 2 ** k.machine.cpu.physAddrBits) {
    k.log.emit('warn', `ioremap: invalid physical address ${hex(physIn)}`);
    warnOnce(k, 'ioremap-invalid', 'WARN_ON_ONCE in __ioremap_caller');
    return fail;
  }
  if (rangeHasUnreservedRam(k, physIn, last)) {
    warnOnce(k, 'ioremap-on-ram', `ioremap on RAM at ${fmt016Lx(physIn)} - ${fmt016Lx(last)}`);
    return fail;
  }
  const offset = physIn % PAGE;
  const phys = physIn - offset;
  const size = Math.ceil((last + 1) / PAGE) * PAGE - phys;
  let pcm = pcmIn;
  const r = k.memtype.memtypeReserve(phys, phys + size, pcm, true);
  if (r.ret) {
    k.log.emit('err', `ioremap memtype_reserve failed ${r.ret}`);
    return fail;
  }
  const got = r.newType!;
  if (got !== pcm) {
    if (!isNewMemtypeAllowed(phys, size, pcm, got)) {
      k.log.emit('err', `ioremap error for 0x${hex(phys)}-0x${hex(phys + size)}, requested 0x${pcm}, got 0x${got}`);
      k.memtype.memtypeFree(phys, phys + size);
      return fail;
    }
    pcm = got;
  }
  const area = k.vmalloc.allocArea(size, PAGE, { caller: `ioremap:${caller}` });
  if (!area) {
    k.memtype.memtypeFree(phys, phys + size);
    return fail;
  }
  if (k.memtype.kernelMapSync(phys, size, pcm) < 0) {
    k.vmalloc.freeArea(area);
    k.memtype.memtypeFree(phys, phys + size);
    return fail;
  }
  k.vmalloc.mapPages(area, { pfn: phys / PAGE, count: size / PAGE }, ioremapProt(k, pcm));
  k.log.events.push({ kind: 'pte', step: k.log.step, space: 'vmalloc', vaddr: area.start, pfn: phys / PAGE, npages: size / PAGE, level: '4k', bits: ioremapProt(k, pcm) & (PAGE_PWT | PAGE_PCD | 0x80) });
  k.log.events.push({ kind: 'map', step: k.log.step, call: 'ioremap', space: 'vmalloc', pfn: phys / PAGE, npages: size / PAGE, requested: pcmIn, installed: k.tables.pgprot2cachemode(ioremapProt(k, pcm)) });
  if (resourcesSpanned(k, physIn, last) > 1) k.log.emit('warn', `caller ${caller} mapping multiple BARs`);
  ioremapAreas(k).set(area.start, { phys, size, requested: pcmIn, pcm });
  return { vaddr: area.start + offset, pcm, requested: pcmIn, phys: physIn, size: sizeIn };
}

/** Per-kernel record of live ioremap areas (what iounmap frees). */
const AREAS = new WeakMap<MmContext, Map<number, { phys: number; size: number; requested: CacheMode; pcm: CacheMode }>>();
export function ioremapAreas(k: MmContext): Map<number, { phys: number; size: number; requested: CacheMode; pcm: CacheMode }> {
  let m = AREAS.get(k);
  if (!m) AREAS.set(k, (m = new Map()));
  return m;
}

function warnOnce(k: MmContext, site: string, text: string): void {
  if (k.warnedOnce.has(site)) return;
  k.warnedOnce.add(site);
  k.log.emit('warning-splat', `WARNING: ${text}`);
}

/** `ioremap()`: UC- (not UC, for historical X-driver reasons) — spec 03 §4.1. */
export const ioremap = (k: MmContext, phys: number, size: number, caller?: string): IoremapResult => ioremapCaller(k, phys, size, CM.UC_MINUS, caller);
/** `ioremap_uc()`: strong UC. */
export const ioremapUc = (k: MmContext, phys: number, size: number, caller?: string): IoremapResult => ioremapCaller(k, phys, size, CM.UC, caller);
/** `ioremap_wc()`. */
export const ioremapWc = (k: MmContext, phys: number, size: number, caller?: string): IoremapResult => ioremapCaller(k, phys, size, CM.WC, caller);
/** `ioremap_wt()`. */
export const ioremapWt = (k: MmContext, phys: number, size: number, caller?: string): IoremapResult => ioremapCaller(k, phys, size, CM.WT, caller);
/** `ioremap_cache()`: WB, which the MTRR hint turns into UC- on non-WB MMIO. */
export const ioremapCache = (k: MmContext, phys: number, size: number, caller?: string): IoremapResult => ioremapCaller(k, phys, size, CM.WB, caller);
/** `ioremap_prot(phys, size, prot)`: the mode `pgprot2cachemode(prot)` reads. */
export function ioremapProtCall(k: MmContext, phys: number, size: number, pcm: CacheMode, caller?: string): IoremapResult {
  return ioremapCaller(k, phys, size, pcm, caller);
}

/**
 * `iounmap(addr)` — spec 03 §4.4: direct-map addresses return silently; an
 * unknown address prints `iounmap: bad address`; otherwise the reservation is
 * freed (its result ignored) and the area unmapped. The direct-map attribute
 * set at ioremap time is not restored.
 */
export function iounmap(k: MmContext, vaddr: number): void {
  const directEnd = k.layout.pageOffset + k.highMemoryPfn * PAGE;
  if (vaddr >= k.layout.pageOffset && vaddr <= directEnd) {
    const isaStart = k.layout.pageOffset + 0xa0000;
    if (vaddr >= isaStart && vaddr < k.layout.pageOffset + 0x100000)
      k.log.emit('warning-splat', 'WARNING: iounmap() called for ISA range not obtained using ioremap()');
    return;
  }
  const va = vaddr - (vaddr % PAGE);
  const area = k.vmalloc.findArea(va);
  const rec = area ? ioremapAreas(k).get(area.start) : undefined;
  if (!area || !rec) {
    k.log.emit('err', `iounmap: bad address ${'0x' + (k.layout.kvBias + BigInt(vaddr)).toString(16)}`);
    return;
  }
  k.memtype.memtypeFree(rec.phys, rec.phys + rec.size);
  ioremapAreas(k).delete(area.start);
  k.vmalloc.freeArea(area);
}

/**
 * `memtype_reserve_io(start, end, *type)` — spec 02 §14: reserve, refuse a
 * granted type `is_new_memtype_allowed` rejects, and bring the direct map in
 * step. Returns the errno and the type obtained.
 */
export function memtypeReserveIo(k: MmContext, start: number, end: number, req: CacheMode): { ret: number; type: CacheMode } {
  const r = k.memtype.memtypeReserve(start, end, req, true);
  if (r.ret) return { ret: r.ret, type: req };
  const got = r.newType!;
  if (!isNewMemtypeAllowed(start, end - start, req, got)) {
    k.memtype.memtypeFree(start, end);
    return { ret: -EBUSY, type: req };
  }
  if (k.memtype.kernelMapSync(start, end - start, got) < 0) {
    k.memtype.memtypeFree(start, end);
    return { ret: -EBUSY, type: req };
  }
  return { ret: 0, type: got };
}

/** `arch_io_reserve_memtype_wc(start, size)`: used by drivers for WC BAR apertures. */
export function archIoReserveMemtypeWc(k: MmContext, start: number, size: number): number {
  return memtypeReserveIo(k, start, start + size, CM.WC).ret;
}

/** `arch_io_free_memtype_wc(start, size)` = `memtype_free_io` = `memtype_free`. */
export function archIoFreeMemtypeWc(k: MmContext, start: number, size: number): void {
  k.memtype.memtypeFree(start, start + size);
}

/** Short description for display: `WC (requested UC-)`. */
export function describeIoremap(r: IoremapResult): string {
  if (r.vaddr === null || r.pcm === undefined) return 'NULL';
  return r.pcm === r.requested ? cattrName(r.pcm) : `${cattrName(r.pcm)} (requested ${cattrName(r.requested)})`;
}
