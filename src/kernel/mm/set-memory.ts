/**
 * Cache-attribute APIs on kernel memory: `_set_memory_*`, `set_memory_*`,
 * `set_pages_*`, `set_pages_array_*` (arch/x86/mm/pat/set_memory.c; spec 03
 * §3, §5.2) and `ioremap_change_attr` (arch/x86/mm/ioremap.c; spec 03 §3.1).
 *
 * Addresses are stored-form kernel virtual addresses; pages are pfns.
 * Reservations use `__pa(addr)`, meaningful only for direct-map addresses:
 * anything else yields the unrelated physical address the kernel would
 * compute (e.g. `__pa(0)` = 0x40000000 on 32-bit, spec 03 §5.2), or a BUG
 * with CONFIG_DEBUG_VIRTUAL.
 */

import { CM, type CacheMode } from '../../hw/cache-mode.js';
import { PAGE_CACHE_MASK } from '../../hw/pte.js';
import { EINVAL } from '../errno.js';
import { KernelFatal } from '../fatal.js';
import { NotModelledError } from '../not-modelled.js';
import { changePageAttrSetClr } from './cpa.js';
import type { MmContext } from './mm-context.js';
import { PAGE_SIZE } from '../../hw/page.js';

const START_KERNEL_MAP = 0xffffffff80000000n;
const U64 = 1n << 64n;

/** `cachemode2pgprot(m)`: the 4 KiB-layout bits Linux writes for a mode. */
function cm2prot(k: MmContext, m: CacheMode): number {
  return k.tables.cachemode2protval(m);
}

/** The real (unbiased) 64-bit value of a stored virtual address. */
function realVa(k: MmContext, va: number): bigint {
  return k.is64 && va >= 2 ** 47 ? k.layout.kvBias + BigInt(va) : BigInt(va);
}

/**
 * `__pa(addr)` as the kernel computes it for any address: the direct map and
 * (x86-64) the high kernel map translate properly; other addresses give the
 * wrapped difference from PAGE_OFFSET. With CONFIG_DEBUG_VIRTUAL a
 * non-linear address BUGs (`__phys_addr`; line number not modelled).
 */
export function paOf(k: MmContext, va: number): bigint {
  const x = realVa(k, va);
  const pageOffset = realVa(k, k.layout.pageOffset);
  if (k.is64) {
    if (x >= START_KERNEL_MAP) return x - START_KERNEL_MAP;
    if (k.machine.config.debugVirtual && x < pageOffset) bugPhysAddr(k);
    return (((x - pageOffset) % U64) + U64) % U64;
  }
  if (k.machine.config.debugVirtual && (x < pageOffset || k.vmalloc.contains(va))) bugPhysAddr(k);
  return (((x - pageOffset) % (1n << 32n)) + (1n << 32n)) % (1n << 32n);
}

function bugPhysAddr(k: MmContext): never {
  const text = 'kernel BUG at arch/x86/mm/physaddr.c';
  k.log.events.push({ kind: 'fatal', step: k.log.step, what: 'BUG', text });
  throw new KernelFatal('BUG', text, '__phys_addr');
}

/** `__pa(addr) + numpages * PAGE_SIZE` in the kernel's unsigned long arithmetic. */
function paEnd(k: MmContext, pa: bigint, numpages: number): bigint {
  const mod = k.is64 ? U64 : 1n << 32n;
  return (pa + BigInt(numpages) * BigInt(PAGE_SIZE)) % mod;
}

function cpaSet(k: MmContext, caller: string, addr: number, numpages: number, set: number): number {
  return changePageAttrSetClr(k, { caller, vaddr: addr, numpages, maskSet: set, maskClr: 0 });
}

/** `_set_memory_uc(addr, numpages)`: OR in the UC- bits; no reservation (spec 03 §3). */
export function _setMemoryUc(k: MmContext, addr: number, numpages: number): number {
  return cpaSet(k, '_set_memory_uc', addr, numpages, cm2prot(k, CM.UC_MINUS));
}

/** `_set_memory_wc(addr, numpages)`: UC- first, then WC with the cache bits cleared (spec 03 §3). */
export function _setMemoryWc(k: MmContext, addr: number, numpages: number): number {
  let ret = cpaSet(k, '_set_memory_wc', addr, numpages, cm2prot(k, CM.UC_MINUS));
  if (!ret) ret = changePageAttrSetClr(k, { caller: '_set_memory_wc', vaddr: addr, numpages, maskSet: cm2prot(k, CM.WC), maskClr: PAGE_CACHE_MASK });
  return ret;
}

/** `_set_memory_wt(addr, numpages)`: OR in the WT bits (spec 03 §3). */
export function _setMemoryWt(k: MmContext, addr: number, numpages: number): number {
  return cpaSet(k, '_set_memory_wt', addr, numpages, cm2prot(k, CM.WT));
}

/** `_set_memory_wb(addr, numpages)`: clear the three cache bits (no cache flush, spec 03 §3). */
export function _setMemoryWb(k: MmContext, addr: number, numpages: number): number {
  return changePageAttrSetClr(k, { caller: '_set_memory_wb', vaddr: addr, numpages, maskSet: 0, maskClr: PAGE_CACHE_MASK });
}

/** `set_memory_uc(addr, numpages)`: reserve UC- (strict), then `_set_memory_uc`; free the reservation on CPA error. */
export function setMemoryUc(k: MmContext, addr: number, numpages: number): number {
  const pa = paOf(k, addr);
  const end = paEnd(k, pa, numpages);
  let ret = k.memtype.memtypeReserve(pa, end, CM.UC_MINUS, false).ret;
  if (ret) return ret;
  ret = _setMemoryUc(k, addr, numpages);
  if (ret) k.memtype.memtypeFree(pa, end);
  return ret;
}

/** `set_memory_wc(addr, numpages)`: reserve WC (strict), then `_set_memory_wc`; free on error. */
export function setMemoryWc(k: MmContext, addr: number, numpages: number): number {
  const pa = paOf(k, addr);
  const end = paEnd(k, pa, numpages);
  let ret = k.memtype.memtypeReserve(pa, end, CM.WC, false).ret;
  if (ret) return ret;
  ret = _setMemoryWc(k, addr, numpages);
  if (ret) k.memtype.memtypeFree(pa, end);
  return ret;
}

/** `set_memory_wb(addr, numpages)`: `_set_memory_wb`, then free the reservation (result ignored); no free on error. */
export function setMemoryWb(k: MmContext, addr: number, numpages: number): number {
  const ret = _setMemoryWb(k, addr, numpages);
  if (ret) return ret;
  const pa = paOf(k, addr);
  k.memtype.memtypeFree(pa, paEnd(k, pa, numpages));
  return 0;
}

/** The address `page_address()` gives, 0 for a highmem page without a pkmap slot (spec 03 §5.2). */
function pageAddr(k: MmContext, pfn: number): number {
  return k.highmem.pageAddress(pfn) ?? 0;
}

/** `set_pages_uc(page, numpages)` = `set_memory_uc(page_address(page), numpages)`. */
export function setPagesUc(k: MmContext, pfn: number, numpages: number): number {
  return setMemoryUc(k, pageAddr(k, pfn), numpages);
}

/** `set_pages_wb(page, numpages)` = `set_memory_wb(page_address(page), numpages)`. */
export function setPagesWb(k: MmContext, pfn: number, numpages: number): number {
  return setMemoryWb(k, pageAddr(k, pfn), numpages);
}

/**
 * `_set_pages_array(pages, n, mode)` (spec 03 §3 "in detail"); hook
 * `setPagesArray` replaces it.
 */
function setPagesArray(k: MmContext, caller: string, pages: ArrayLike<number>, mode: CacheMode): number {
  const hook = k.hooks.setPagesArray;
  return hook ? hook.set(k, caller, pages, mode) : setPagesArrayKernel(k, caller, pages, mode);
}

/**
 * The kernel's own `_set_pages_array`: reserve each lowmem page (highmem
 * pages skipped), CPA in pages mode (WC: UC- first, then WC), and on any
 * failure free the first k reservations and return -EINVAL.
 */
export function setPagesArrayKernel(k: MmContext, caller: string, pages: ArrayLike<number>, mode: CacheMode): number {
  const n = pages.length;
  let failAt = -1;
  for (let i = 0; i < n; i++) {
    const pfn = pages[i]!;
    if (k.pages.isHighMem(pfn)) continue;
    const start = pfn * PAGE_SIZE;
    if (k.memtype.memtypeReserve(start, start + PAGE_SIZE, mode, false).ret) {
      failAt = i;
      break;
    }
  }
  if (failAt < 0) {
    if (!cpaPagesArray(k, caller, pages, mode)) return 0;
    failAt = n;
  }
  for (let i = 0; i < failAt; i++) {
    const pfn = pages[i]!;
    if (k.pages.isHighMem(pfn)) continue;
    k.memtype.memtypeFree(pfn * PAGE_SIZE, pfn * PAGE_SIZE + PAGE_SIZE);
  }
  return -EINVAL;
}

/** The pages-mode CPA of `_set_pages_array`: the mode's bits (WC: UC- first, then WC); 0 or the CPA's error. */
export function cpaPagesArray(k: MmContext, caller: string, pages: ArrayLike<number>, mode: CacheMode): number {
  const n = pages.length;
  const setType = mode === CM.WC ? CM.UC_MINUS : mode;
  let ret = changePageAttrSetClr(k, { caller, pages, numpages: n, maskSet: cm2prot(k, setType), maskClr: 0 });
  if (!ret && mode === CM.WC) ret = changePageAttrSetClr(k, { caller, pages, numpages: n, maskSet: cm2prot(k, CM.WC), maskClr: PAGE_CACHE_MASK });
  return ret;
}

/** The pages-mode CPA of `set_pages_array_wb`: clear the cache bits; 0 or the CPA's error. */
export function cpaPagesArrayWb(k: MmContext, pages: ArrayLike<number>): number {
  return changePageAttrSetClr(k, { caller: 'set_pages_array_wb', pages, numpages: pages.length, maskSet: 0, maskClr: PAGE_CACHE_MASK });
}

/** `set_pages_array_uc(pages, n)`. */
export function setPagesArrayUc(k: MmContext, pages: ArrayLike<number>): number {
  return setPagesArray(k, 'set_pages_array_uc', pages, CM.UC_MINUS);
}

/** `set_pages_array_wc(pages, n)`. */
export function setPagesArrayWc(k: MmContext, pages: ArrayLike<number>): number {
  return setPagesArray(k, 'set_pages_array_wc', pages, CM.WC);
}

/**
 * `set_pages_array_wt(pages, n)`: removed in v5.18 (4509d950, "x86/pat:
 * Remove the unused set_pages_array_wt() function"); available only with the
 * `setPagesArrayWt` kernel flag.
 */
export function setPagesArrayWt(k: MmContext, pages: ArrayLike<number>): number {
  if (!k.flags.setPagesArrayWt) throw new NotModelledError('set_pages_array_wt: not in this kernel (removed in v5.18)');
  return setPagesArray(k, 'set_pages_array_wt', pages, CM.WT);
}

/** `set_pages_array_wb(pages, n)`; hook `setPagesArray` replaces it. */
export function setPagesArrayWb(k: MmContext, pages: ArrayLike<number>): number {
  const hook = k.hooks.setPagesArray;
  return hook ? hook.wb(k, pages) : setPagesArrayWbKernel(k, pages);
}

/** The kernel's own `set_pages_array_wb`: clear the cache bits in pages mode, then free each lowmem page's memtype. */
export function setPagesArrayWbKernel(k: MmContext, pages: ArrayLike<number>): number {
  const ret = cpaPagesArrayWb(k, pages);
  if (ret) return ret;
  for (let i = 0; i < pages.length; i++) {
    const pfn = pages[i]!;
    if (k.pages.isHighMem(pfn)) continue;
    k.memtype.memtypeFree(pfn * PAGE_SIZE, pfn * PAGE_SIZE + PAGE_SIZE);
  }
  return 0;
}

/**
 * `ioremap_change_attr(vaddr, size, mode)` (spec 03 §3.1): n = size / 4096
 * truncated; UC, UC- and unlisted modes (WP) → `_set_memory_uc`, WC →
 * `_set_memory_wc`, WT → `_set_memory_wt`, WB → `_set_memory_wb`.
 */
export function ioremapChangeAttr(k: MmContext, vaddr: number, size: number, mode: CacheMode): number {
  const n = Math.floor(size / PAGE_SIZE);
  switch (mode) {
    case CM.WC:
      return _setMemoryWc(k, vaddr, n);
    case CM.WT:
      return _setMemoryWt(k, vaddr, n);
    case CM.WB:
      return _setMemoryWb(k, vaddr, n);
    default:
      return _setMemoryUc(k, vaddr, n);
  }
}

/** The API names a scenario may call, and which exist in a kernel (spec 03 §3 "Absent in 2025 kernels"). */
export function setMemoryApiAvailable(k: MmContext, name: string): boolean {
  if (name === 'set_pages_array_wt') return k.flags.setPagesArrayWt;
  // set_memory_wt and set_memory_array_* went in 2019 (v5.4); x86 never had set_pages_wc.
  return !['set_memory_wt', 'set_pages_wc', 'set_memory_array_uc', 'set_memory_array_wc', 'set_memory_array_wb'].includes(name);
}
