/**
 * Page-based inserts: `vm_insert_page`, `vm_insert_pages`, `vm_map_pages`,
 * `vm_map_pages_zero`, `vmf_insert_page_mkwrite` (mm/memory.c; spec 04 §6).
 *
 * They never consult PAT: the PTE gets the page and `vm_page_prot` as they
 * are. The PTEs are *normal*: each takes a folio reference, a file mapcount
 * and an RSS count, which zap gives back (spec 04 §2).
 */

import { cacheModeShort } from '../../hw/cache-mode.js';
import { chainMark, chainRewind } from '../chain.js';
import { EBUSY, EFAULT, EINVAL, ENOMEM } from '../errno.js';
import { NotModelledError } from '../not-modelled.js';
import type { MmContext } from '../mm/mm-context.js';
import { PG_BUDDY } from '../mm/page.js';
import { bugOn, warnOnOnce } from './bug.js';
import { ENXIO } from './errnos.js';
import { VM_FAULT_NOPAGE, VM_FAULT_OOM, VM_FAULT_SIGBUS, type VmFault } from './fault.js';
import { VM_MIXEDMAP, VM_PFNMAP, VM_WRITE, _PAGE_ACCESSED, _PAGE_DIRTY, _PAGE_RW } from './flags.js';
import { emitInstalled, mapNormalPage, protMode } from './pte-write.js';
import { LV_4K } from './user-ptes.js';
import type { Vma } from './vma.js';
import { PAGE_SIZE } from '../../hw/page.js';


/**
 * `validate_page_before_insert(vma, page)` (spec 04 §6): a folio with
 * refcount 0 — a free page, or a tail page of a non-compound higher-order
 * allocation such as TTM's — is -EINVAL; so is a typed page (buddy).
 * Anonymous pages and the zero folio do not occur in the model.
 */
export function validatePageBeforeInsert(k: MmContext, pfn: number): number {
  if (!k.pages.pfnValid(pfn)) throw new NotModelledError(`a struct page for pfn 0x${pfn.toString(16)} (outside the memmap)`);
  if (k.pages.refcount.get(pfn) === 0) {
    k.log.refuse('validate_page_before_insert', `folio_ref_count == 0 at pfn 0x${pfn.toString(16)} (a free page, or a tail page of a non-compound allocation such as TTM's)`, '-EINVAL');
    return -EINVAL;
  }
  if (k.pages.flags.get(pfn) & PG_BUDDY) {
    k.log.refuse('validate_page_before_insert', `page_has_type (buddy) at pfn 0x${pfn.toString(16)}`, '-EINVAL');
    return -EINVAL;
  }
  return 0;
}

/**
 * `insert_page(vma, addr, page, prot, mkwrite)` (spec 04 §6): validate, then
 * an occupied PTE is -EBUSY (mkwrite: same page → young/dirty/writable, else
 * WARN_ON_ONCE and -EFAULT); an empty one gets a normal `(page, prot)` PTE,
 * the folio +1 reference, +1 file mapcount, +1 RSS.
 */
export function insertPage(k: MmContext, vma: Vma, addr: number, pfn: number, prot: number, mkwrite: boolean, call: string): number {
  const err = validatePageBeforeInsert(k, pfn);
  if (err) return err;
  k.counters.ptWalks++;
  const p = vma.ptes;
  const s = vma.slot(addr);
  const mk = _PAGE_ACCESSED | _PAGE_DIRTY | (vma.flags & VM_WRITE ? _PAGE_RW : 0);
  const e = p.entry(s);
  if (e) {
    if (!mkwrite) {
      k.log.refuse(call === 'vmf_insert_page_mkwrite' ? 'insert_page' : 'insert_page_into_pte_locked', `!pte_none at 0x${addr.toString(16)}`, '-EBUSY');
      return -EBUSY;
    }
    if (e.pfn !== pfn) {
      warnOnOnce(k, 'insert_page_into_pte_locked');
      return -EFAULT;
    }
    p.mapBits(s, s + 1, (b) => b | mk);
    return 0;
  }
  mapNormalPage(k, vma, pfn);
  p.set(s, pfn, prot | (mkwrite ? mk : 0), LV_4K, k.log.step);
  const mark = chainMark(k.log);
  k.log.chain?.push({ fn: call, read: `prot ${cacheModeShort(protMode(k, prot))}`, result: 'normal PTE, no PAT lookup' });
  emitInstalled(k, call, vma, s, s + 1, protMode(k, prot));
  chainRewind(k.log, mark);
  return 0;
}

/**
 * The `VM_MIXEDMAP` step of `vm_insert_page(s)` (spec 04 §6 step 2): a VMA
 * without it must be under the mmap write lock (the model assumes the call
 * comes from the driver's `->mmap`, where it is) and must not be
 * `VM_PFNMAP` (BUG); it then becomes `VM_MIXEDMAP`.
 */
export function ensureMixedmap(k: MmContext, vma: Vma, fn: string): void {
  if (vma.flags & VM_MIXEDMAP) return;
  if (vma.flags & VM_PFNMAP) bugOn(k, fn, 'vma->vm_flags & VM_PFNMAP');
  vma.flags |= VM_MIXEDMAP;
}

/**
 * Before v6.10 `vm_insert_page()` itself refused a page with `page_count == 0`
 * (-EINVAL), before the `VM_MIXEDMAP` step and its BUG_ON (KernelFlags.insertPageCountFirst).
 */
function pageCountFirstRefuses(k: MmContext, fn: string, pfn: number): boolean {
  if (!k.flags.insertPageCountFirst || !k.pages.pfnValid(pfn) || k.pages.refcount.get(pfn) !== 0) return false;
  k.log.refuse(fn, `!page_count(page) at pfn 0x${pfn.toString(16)}`, '-EINVAL');
  return true;
}

/** `vm_insert_page(vma, addr, page)` (spec 04 §6). */
export function vmInsertPage(k: MmContext, vma: Vma, addr: number, pfn: number): number {
  if (!vma.contains(addr)) {
    k.log.refuse('vm_insert_page', `addr 0x${addr.toString(16)} outside the vma`, '-EFAULT');
    return -EFAULT;
  }
  if (pageCountFirstRefuses(k, 'vm_insert_page', pfn)) return -EINVAL;
  ensureMixedmap(k, vma, 'vm_insert_page');
  return insertPage(k, vma, addr, pfn, vma.pageProt, false, 'vm_insert_page');
}

/**
 * `vm_insert_pages(vma, addr, pages, &num)` with an explicit prot (the core
 * shared with option 1's `vm_insert_pages_pgprot`): the range check uses the
 * last byte; on the first error it returns with `remaining` = pages not
 * inserted (earlier ones stay mapped).
 */
export function insertPagesProt(k: MmContext, vma: Vma, addr: number, pfns: ArrayLike<number>, prot: number, call: string): { ret: number; remaining: number } {
  const n = pfns.length;
  if (addr < vma.start || addr + n * PAGE_SIZE - 1 >= vma.end) {
    k.log.refuse(call, `addr + num * PAGE_SIZE - 1 >= vma->vm_end (0x${addr.toString(16)}, ${n} pages)`, '-EFAULT');
    return { ret: -EFAULT, remaining: n };
  }
  ensureMixedmap(k, vma, call);
  for (let i = 0; i < n; i++) {
    const err = insertPage(k, vma, addr + i * PAGE_SIZE, pfns[i]!, prot, false, call);
    if (err) return { ret: err, remaining: n - i };
  }
  return { ret: 0, remaining: 0 };
}

/** `vm_insert_pages(vma, addr, pages, &num)` (spec 04 §6): `vm_page_prot`. */
export function vmInsertPages(k: MmContext, vma: Vma, addr: number, pfns: ArrayLike<number>): { ret: number; remaining: number } {
  return insertPagesProt(k, vma, addr, pfns, vma.pageProt, 'vm_insert_pages');
}

/**
 * `__vm_map_pages(vma, pages, num, offset)`: `vm_map_pages` uses `vm_pgoff`,
 * `vm_map_pages_zero` 0; an offset past the array or a VMA longer than what
 * is left is -ENXIO (spec 04 §6).
 */
export function vmMapPages(k: MmContext, vma: Vma, pfns: ArrayLike<number>, zero: boolean): number {
  const offset = zero ? 0 : vma.pgoff;
  const num = pfns.length;
  if (offset >= num) return -ENXIO;
  if (vma.pages > num - offset) return -ENXIO;
  const slice = Array.from({ length: vma.pages }, (_, i) => pfns[offset + i]!);
  // __vm_map_pages() calls vm_insert_page() per page: its own count check comes before the first page's VM_MIXEDMAP step.
  if (slice.length > 0 && pageCountFirstRefuses(k, 'vm_insert_page', slice[0]!)) return -EINVAL;
  return insertPagesProt(k, vma, vma.start, slice, vma.pageProt, zero ? 'vm_map_pages_zero' : 'vm_map_pages').ret;
}

/** `vmf_insert_page_mkwrite(vmf, page, write)` (spec 04 §6). */
export function vmfInsertPageMkwrite(k: MmContext, vma: Vma, addr: number, pfn: number, write: boolean): VmFault {
  if (!vma.contains(addr)) return VM_FAULT_SIGBUS;
  const err = insertPage(k, vma, addr, pfn, vma.pageProt, write, 'vmf_insert_page_mkwrite');
  if (err === -ENOMEM) return VM_FAULT_OOM;
  if (err < 0 && err !== -EBUSY) return VM_FAULT_SIGBUS;
  return VM_FAULT_NOPAGE;
}
