/**
 * The ioremap family (arch/x86/mm/ioremap.c; spec 03 §4, 02 §14):
 * `__ioremap_caller` and its wrappers, `iounmap`, `memremap`, and the I/O
 * memtype helpers `memtype_reserve_io` / `arch_io_reserve_memtype_wc`.
 *
 * Mappings use huge leaves where `ioremap_page_range` would (spec 03 §4.6):
 * 1 GiB on x86-64 with GB pages, 2 MiB with PSE (x86-64 and PAE; non-PAE
 * 32-bit has no huge vmap), when the virtual and physical addresses are
 * aligned, the rest of the range covers the leaf and the MTRRs allow it.
 * What iounmap needs is kept on the vmalloc area itself (`VmArea.ioremap`,
 * the kernel's vm_struct `phys_addr`/size), so it dies with the kernel.
 */

import { cacheModeShort, cattrName, CM, MT, type CacheMode } from '../../hw/cache-mode.js';
import { PAGE_PCD, PAGE_PWT, PAGE_PSE, protval4kToLarge } from '../../hw/pte.js';
import { chainMark, chainRewind, chainSnapshot } from '../chain.js';
import { EBUSY } from '../errno.js';
import { fmt016Lx, fmtHash010Lx } from '../printk.js';
import { isNewMemtypeAllowed } from '../pat/memtype.js';
import type { MmContext } from './mm-context.js';
import { warnOnce } from './warn.js';
import { PG_RESERVED } from './page.js';
import type { VmArea } from './vmalloc.js';
import { PAGE_SIZE } from '../../hw/page.js';

const PMD_SIZE = 2 ** 21;
const PUD_SIZE = 2 ** 30;
/** MTRR_TYPE_INVALID: what the pre-v6.5 lookup returns with MTRRs absent or disabled. */
const MTRR_TYPE_INVALID = 0xff;
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
  const first = Math.ceil(phys / PAGE_SIZE);
  const end = Math.floor((last + 1) / PAGE_SIZE);
  // Only the System RAM inside the range is looked at page by page (walk_mem_res + __ioremap_check_ram).
  for (const [pfn, nr] of k.systemRam.ramRuns(first, end))
    for (let p = pfn; p < pfn + nr; p++) if (p >= k.pages.nPfns || (k.pages.flags.get(p) & PG_RESERVED) === 0) return true;
  return false;
}

/**
 * `iomem_map_sanity_check(addr, size)` (kernel/resource.c): walk every iomem
 * resource (children included, depth first); the first one that overlaps
 * `[addr, last]` without containing it at page granularity prints
 * `resource sanity check: ...` and makes the check fail. BUSY resources are
 * skipped: System RAM and the e820 types other than "reserved"
 * (`do_mark_busy`), so only the machine's iomem tree and e820 reserved
 * ranges take part. `%pR` of a prefetchable resource gets " pref" (its
 * decoded flags; 64-bit BARs would also show "64bit", not modelled).
 */
function iomemMapSanityCheck(k: MmContext, addr: number, last: number): boolean {
  type Res = { start: number; end: number; name: string; prefetchable?: boolean; children?: readonly Res[] };
  const reserved: Res[] = k.e820.filter((e) => e.type === 'reserved').map((e) => ({ start: e.start, end: e.end, name: 'Reserved' }));
  const top = [...(k.machine.iomem as readonly Res[]), ...reserved].sort((a, b) => a.start - b.start);
  const pfn = (v: number): number => Math.floor(v / PAGE_SIZE);
  const visit = (list: readonly Res[]): Res | null => {
    for (const r of list) {
      const rLast = r.end - 1;
      if (r.start <= last && rLast >= addr && !(pfn(r.start) <= pfn(addr) && pfn(rLast) >= pfn(last))) return r;
      const hit = visit(r.children ?? []);
      if (hit) return hit;
    }
    return null;
  };
  const bad = visit(top);
  if (!bad) return false;
  const pa = (v: number): string => '0x' + v.toString(16).padStart(k.machine.arch === 'x86-32' ? 8 : 16, '0');
  const pr = `[mem ${fmtHash010Lx(bad.start)}-${fmtHash010Lx(bad.end - 1)}${bad.prefetchable ? ' pref' : ''}]`;
  k.log.emit('warn', `resource: resource sanity check: requesting [mem ${pa(addr)}-${pa(last)}], which spans more than ${bad.name} ${pr}`);
  return true;
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
  // The decisions of this call end with it, whether it maps or fails.
  const mark = chainMark(k.log);
  const r = ioremapCallerBody(k, physIn, sizeIn, pcmIn, caller);
  chainRewind(k.log, mark);
  return r;
}

function ioremapCallerBody(k: MmContext, physIn: number, sizeIn: number, pcmIn: CacheMode, caller: string): IoremapResult {
  const fail: IoremapResult = { vaddr: null, requested: pcmIn, phys: physIn, size: sizeIn };
  const last = physIn + sizeIn - 1;
  if (sizeIn === 0 || last < physIn) return fail;
  if (physIn >= 2 ** k.machine.cpu.physAddrBits) {
    k.log.emit('warn', `ioremap: invalid physical address ${hex(physIn)}`);
    warnOnce(k, 'ioremap-invalid', 'WARN_ON_ONCE in __ioremap_caller');
    return fail;
  }
  if (rangeHasUnreservedRam(k, physIn, last)) {
    warnOnce(k, 'ioremap-on-ram', `ioremap on RAM at ${fmtPa(k, physIn)} - ${fmtPa(k, last)}`);
    return fail;
  }
  const offset = physIn % PAGE_SIZE;
  const phys = physIn - offset;
  const size = Math.ceil((last + 1) / PAGE_SIZE) * PAGE_SIZE - phys;
  let pcm = pcmIn;
  const r = k.memtype.memtypeReserve(phys, phys + size, pcm, true);
  k.log.chain?.push({ fn: '__ioremap_caller -> memtype_reserve', read: `req ${cacheModeShort(pcm)} for [mem 0x${hex(phys)}-0x${hex(phys + size - 1)}]`, result: r.ret ? `failed ${r.ret}` : `got ${cacheModeShort(r.newType!)}` });
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
  const area = k.vmalloc.allocArea(size, ioremapAlign(k, size), { caller: `ioremap:${caller}` });
  if (!area) {
    k.memtype.memtypeFree(phys, phys + size);
    return fail;
  }
  if (k.memtype.kernelMapSync(phys, size, pcm) < 0) {
    k.vmalloc.freeArea(area);
    k.memtype.memtypeFree(phys, phys + size);
    return fail;
  }
  const prot = ioremapProt(k, pcm);
  ioremapPageRange(k, area, phys, size, prot);
  k.log.chain?.push({ fn: '__ioremap_caller', read: `granted ${cacheModeShort(pcm)}`, result: `PTE prot ${cacheModeShort(k.tables.pgprot2cachemode(prot))}` });
  const chain = chainSnapshot(k.log);
  k.log.events.push({ kind: 'map', step: k.log.step, call: 'ioremap', space: 'vmalloc', pfn: phys / PAGE_SIZE, npages: size / PAGE_SIZE, requested: pcmIn, installed: k.tables.pgprot2cachemode(prot), ...(chain ? { chain } : {}) });
  if (iomemMapSanityCheck(k, physIn, last)) k.log.emit('warn', `caller ${caller} mapping multiple BARs`);
  area.phys = phys;
  area.ioremap = { phys, size, requested: pcmIn, pcm };
  return { vaddr: area.start + offset, pcm, requested: pcmIn, phys: physIn, size: sizeIn };
}

/** `%pa`: a phys_addr_t, zero-padded to its width (64 bits except on non-PAE 32-bit). */
function fmtPa(k: MmContext, v: number): string {
  return k.machine.arch === 'x86-32' ? '0x' + v.toString(16).padStart(8, '0') : fmt016Lx(v);
}

/**
 * Alignment of a `VM_IOREMAP` area (`__get_vm_area_node`): the size rounded
 * up to a power of two, between a page and IOREMAP_MAX_ORDER (1 GiB on x86-64,
 * 512 KiB, the generic 128 pages, on 32-bit). This is what lets a 2 MiB or
 * 1 GiB mapping start on a leaf boundary (spec 03 §4.6 assumes it does).
 */
function ioremapAlign(k: MmContext, size: number): number {
  const maxOrder = k.is64 ? 30 : 19;
  const order = Math.min(Math.max(Math.ceil(Math.log2(size)), 12), maxOrder);
  return 2 ** order;
}

/** Whether `pud_set_huge`/`pmd_set_huge` accept the MTRR state of `[addr, addr + size)` (arch/x86/mm/pgtable.c). */
function mtrrAllowsHuge(k: MmContext, addr: number, size: number): boolean {
  const { type, uniform } = k.mtrr.typeLookup(addr, addr + size);
  // Before v6.5 a non-uniform range was still accepted when the lookup said
  // INVALID (no MTRRs) or WB; since then `uniform` alone decides.
  if (k.flags.mtrrLegacyLookup) return uniform || type === MTRR_TYPE_INVALID || type === MT.WB;
  return uniform;
}

/**
 * `ioremap_page_range()` → `vmap_range_noflush()`: walk the range one PUD at
 * a time; a PUD-sized, PUD-aligned (virtual and physical) piece becomes a
 * 1 GiB leaf if the CPU has GB pages (x86-64) and the MTRRs allow; otherwise
 * its PMDs are tried the same way for 2 MiB leaves (PSE; x86-64 and PAE);
 * the rest gets 4 KiB entries. `prot` is in the 4 KiB layout.
 */
function ioremapPageRange(k: MmContext, area: VmArea, phys: number, size: number, prot: number): void {
  const hugeVmap = k.machine.arch !== 'x86-32'; // HAVE_ARCH_HUGE_VMAP: X86_64 || X86_PAE
  const pudOk = hugeVmap && k.is64 && k.machine.cpu.gbpages;
  const pmdOk = hugeVmap && k.machine.cpu.pse;
  const large = protval4kToLarge(prot) | PAGE_PSE;
  const va0 = area.start;
  const run = (off: number, len: number, level: '4k' | '2m' | '1g'): void => {
    k.vmalloc.mapPages(area, { pfn: (phys + off) / PAGE_SIZE, count: len / PAGE_SIZE }, level === '4k' ? prot : large, level, off / PAGE_SIZE);
    const bits = level === '4k' ? prot : large;
    const last = k.log.events[k.log.events.length - 1];
    // One event per run of leaves of one level (as CPA coalesces its PTE writes).
    if (last && last.kind === 'pte' && last.space === 'vmalloc' && last.level === level && last.vaddr + last.npages * PAGE_SIZE === va0 + off && last.pfn + last.npages === (phys + off) / PAGE_SIZE)
      last.npages += len / PAGE_SIZE;
    else k.log.events.push({ kind: 'pte', step: k.log.step, space: 'vmalloc', vaddr: va0 + off, pfn: (phys + off) / PAGE_SIZE, npages: len / PAGE_SIZE, level, bits: bits & (PAGE_PWT | PAGE_PCD | 0x80 | 0x1000) });
  };
  let off = 0;
  while (off < size) {
    const va = va0 + off;
    const pa = phys + off;
    const pudEnd = Math.min(size, off + (PUD_SIZE - (va % PUD_SIZE)));
    if (pudOk && pudEnd - off === PUD_SIZE && pa % PUD_SIZE === 0 && mtrrAllowsHuge(k, pa, PUD_SIZE)) {
      run(off, PUD_SIZE, '1g');
      off = pudEnd;
      continue;
    }
    while (off < pudEnd) {
      const v = va0 + off;
      const p = phys + off;
      const pmdEnd = Math.min(pudEnd, off + (PMD_SIZE - (v % PMD_SIZE)));
      if (pmdOk && pmdEnd - off === PMD_SIZE && p % PMD_SIZE === 0) {
        if (mtrrAllowsHuge(k, p, PMD_SIZE)) {
          run(off, PMD_SIZE, '2m');
          off = pmdEnd;
          continue;
        }
        if (!k.warnedOnce.has('pmd_set_huge-mtrr')) {
          k.warnedOnce.add('pmd_set_huge-mtrr');
          k.log.emit('warn', `pmd_set_huge: Cannot satisfy [mem ${fmtHash010Lx(p)}-${fmtHash010Lx(p + PMD_SIZE)}] with a huge-page mapping due to MTRR override.`);
        }
      }
      run(off, pmdEnd - off, '4k');
      off = pmdEnd;
    }
  }
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
  if (iounmapChecksIoremapAddr(k)) {
    // v6.12+: `WARN_ON_ONCE(!is_ioremap_addr(addr))` — on x86 the ioremap
    // space is the vmalloc area.
    if (!k.vmalloc.contains(vaddr)) {
      warnOnce(k, 'iounmap-not-ioremap', 'WARN_ON_ONCE in iounmap');
      return;
    }
  } else if (vaddr <= k.layout.pageOffset + k.highMemoryPfn * PAGE_SIZE) {
    // Before v6.12: `addr <= high_memory` returns silently. This also covers
    // the direct-map ISA window, so the "iounmap() called for ISA range"
    // WARN that follows in the kernel can never fire on x86 (in either
    // version); it is not modelled.
    return;
  }
  const va = vaddr - (vaddr % PAGE_SIZE);
  const area = k.vmalloc.findArea(va);
  if (!area) {
    // `%p` of the page-aligned address, shown unhashed (as with no_hash_pointers).
    k.log.emit('err', `iounmap: bad address ${(k.layout.kvBias + BigInt(va)).toString(16).padStart(k.is64 ? 16 : 8, '0')}`);
    return;
  }
  // find_vm_area() finds any vmalloc area; one not made by ioremap (vmap) has
  // phys_addr 0, and the kernel frees [0, size) all the same.
  const rec = area.ioremap ?? { phys: 0, size: area.npages * PAGE_SIZE };
  k.memtype.memtypeFree(rec.phys, rec.phys + rec.size);
  k.vmalloc.freeArea(area);
}

/**
 * Whether iounmap starts with `WARN_ON_ONCE(!is_ioremap_addr(addr))`
 * (commit 50c6dbdfd16e "x86/ioremap: Use is_ioremap_addr() in iounmap()",
 * first released in v6.12) instead of the silent `addr <= high_memory`.
 */
function iounmapChecksIoremapAddr(k: MmContext): boolean {
  return k.machine.kernel === 'mainline' || k.machine.kernel === '6.12';
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
