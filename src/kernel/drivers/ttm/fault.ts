/**
 * TTM's CPU fault handler (drivers/gpu/drm/ttm/ttm_bo_vm.c `ttm_bo_vm_fault`,
 * `ttm_bo_vm_reserve`, `ttm_bo_vm_fault_reserved`; spec 05 §4.2–4.3, 06 §2).
 *
 * Source per kernel version: every preset (6.1, 6.6, 6.12, mainline =
 * v6.16+) runs the torvalds/linux form (03a0a104: `vmf_insert_pfn_prot`
 * per page). The `vmf_insert_pfn_prot_mkwrite` form (linux-mm c6ed7499,
 * "never map prefaulted PTEs writable") is not in any release the presets
 * stand for, so it is not used. Not modelled: reservation contention
 * (`VM_FAULT_RETRY`), pipelined moves (`ttm_bo_vm_fault_idle` is always
 * idle), device unplug (`ttm_bo_vm_dummy_page`), imported BOs, drivers'
 * fault wrappers.
 */

import { cacheModeShort } from '../../../hw/cache-mode.js';
import { PAGE_CACHE_MASK } from '../../../hw/pte.js';
import { chainMark, chainRewind } from '../../chain.js';
import { ttmCachingName } from './caching.js';
import type { MmContext } from '../../mm/mm-context.js';
import { VM_FAULT_NOPAGE, VM_FAULT_OOM, VM_FAULT_SIGBUS, VM_FAULT_SIGSEGV, type VmFault } from '../../vm/fault.js';
import { vmfInsertPfnProt } from '../../vm/insert-pfn.js';
import { currentMm, type MmStruct } from '../../vm/mm.js';
import type { Vma } from '../../vm/vma.js';
import { ttmIoProt, ttmTtPopulate, type TtmBo } from './bo.js';
import { ttmBoOfVma } from './mmap.js';
import { PAGE_SIZE } from '../../../hw/page.js';

/** VM_FAULT_ERROR without the bits the model never produces (HWPOISON*): OOM | SIGBUS | SIGSEGV | FALLBACK. */
const VM_FAULT_ERROR = VM_FAULT_OOM | VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV | 0x800;

/** `TTM_BO_VM_NUM_PREFAULT` (include/drm/ttm/ttm_bo.h): 16; hook `ttmNumPrefault` (RFC 2/3). */
export function ttmBoVmNumPrefault(k: MmContext): number {
  return k.hooks.ttmNumPrefault ? k.hooks.ttmNumPrefault(k) : 16;
}

/** What one fault did. */
export interface TtmFaultResult {
  ret: VmFault;
  /** PTEs this fault wrote (the prefault count actually reached). */
  inserted: number;
  /** The cache mode `ttm_io_prot` requested. */
  requestedProt: number;
  vma: Vma | null;
  bo: TtmBo | null;
}

/**
 * `ttm_bo_vm_fault_reserved(vmf, prot, num_prefault)` (spec 05 §4.3): the
 * BO's page offset from the VMA's `vm_pgoff`; past the BO → SIGBUS;
 * `prot = ttm_io_prot(...)` (the requested caching enters here); system
 * memory is populated (`ttm_bo_populate` → `ttm_pool_alloc`), errors →
 * NOPAGE (-EINTR/-ERESTARTSYS/-EAGAIN) or SIGBUS (with the pr_debug);
 * then up to `num_prefault` pages through `vmf_insert_pfn_prot` — whose PAT
 * lookup replaces the cache bits of `prot` (04 §4 step 7). A missing page
 * at i = 0 → OOM; an insert error at i = 0 → NOPAGE (swallowed), later →
 * stop. Under RFC 1/3 the loop is one `apply_to_page_range`. Before v6.4 (KernelFlags.ttmPopulateFailOom)
 * every populate failure was VM_FAULT_OOM.
 */
export function ttmBoVmFaultReserved(k: MmContext, vma: Vma, bo: TtmBo, address: number, protIn: number, numPrefault: number): TtmFaultResult {
  // TTM's caching choice holds for every page this fault inserts, and ends with it.
  const mark = chainMark(k.log);
  const r = faultReserved(k, vma, bo, address, protIn, numPrefault);
  chainRewind(k.log, mark);
  return r;
}

function faultReserved(k: MmContext, vma: Vma, bo: TtmBo, address: number, protIn: number, numPrefault: number): TtmFaultResult {
  const res: TtmFaultResult = { ret: VM_FAULT_NOPAGE, inserted: 0, requestedProt: protIn, vma, bo };
  const pageOffset = vma.slot(address) + vma.pgoff - bo.vmaNodeStart;
  const pageLast = vma.pgoff + vma.pages - bo.vmaNodeStart;
  if (pageOffset >= bo.numPages) {
    k.log.refuse('ttm_bo_vm_fault_reserved', `page_offset ${pageOffset} >= bo->resource->num_pages ${bo.numPages}`, 'VM_FAULT_SIGBUS');
    return { ...res, ret: VM_FAULT_SIGBUS };
  }
  const prot = ttmIoProt(k, bo, protIn);
  k.log.chain?.push({ fn: 'ttm_bo_vm_fault_reserved -> ttm_io_prot', read: `${bo.resource.isIomem || !bo.ttm ? 'bus' : 'tt'} caching ${ttmCachingName(bo.resource.isIomem || !bo.ttm ? bo.resource.busCaching : bo.ttm.caching)}`, result: `prot ${cacheModeShort(k.tables.pgprot2cachemode(prot & PAGE_CACHE_MASK))}` });
  res.requestedProt = prot;
  if (!bo.resource.isIomem) {
    const r = ttmTtPopulate(k, bo);
    if (r.ret) {
      const f = k.hooks.ttmFaultInsert?.populateFailed?.(k, r.ret);
      if (f !== undefined && f !== null) return { ...res, ret: f };
      // Before v6.4 every populate failure was VM_FAULT_OOM, silently (KernelFlags.ttmPopulateFailOom).
      if (k.flags.ttmPopulateFailOom) return { ...res, ret: VM_FAULT_OOM };
      k.log.emit('debug', `[TTM] TTM fault hit ${errName(r.ret)}.`);
      return { ...res, ret: VM_FAULT_SIGBUS };
    }
  }
  // Iomem: pgprot_decrypted(prot) — no memory encryption in the model.
  const hook = k.hooks.ttmFaultInsert;
  if (hook && (hook.iomem === true || !bo.resource.isIomem)) return hook.insert(k, vma, bo, address, pageOffset, pageLast, prot, numPrefault, res);
  return ttmFaultPfnLoop(k, vma, bo, address, pageOffset, pageLast, prot, numPrefault, res, vmfInsertPfnProt);
}

/**
 * The kernel's own insert loop of `ttm_bo_vm_fault_reserved`: up to
 * `numPrefault` pages through `insert` (`vmf_insert_pfn_prot`; option 2
 * passes its RAM-only insert for system pages). A missing page at i = 0 →
 * OOM; an insert error at i = 0 → NOPAGE (swallowed), later → stop.
 */
export function ttmFaultPfnLoop(
  k: MmContext,
  vma: Vma,
  bo: TtmBo,
  address: number,
  pageOffset: number,
  pageLast: number,
  prot: number,
  numPrefault: number,
  res: TtmFaultResult,
  insert: (k: MmContext, vma: Vma, addr: number, pfn: number, prot: number) => VmFault,
): TtmFaultResult {
  let ret: VmFault = VM_FAULT_NOPAGE;
  const tt = bo.ttm;
  for (let i = 0; i < numPrefault; i++) {
    let pfn: number;
    if (bo.resource.isIomem) pfn = Math.floor(bo.resource.busOffset / PAGE_SIZE) + pageOffset;
    else {
      pfn = tt!.pages[pageOffset] ?? -1;
      if (pfn < 0) {
        if (i === 0) return { ...res, ret: VM_FAULT_OOM };
        break;
      }
    }
    ret = insert(k, vma, address, pfn, prot);
    if (ret & VM_FAULT_ERROR) {
      if (i === 0) return { ...res, ret: VM_FAULT_NOPAGE };
      break;
    }
    res.inserted++;
    address += PAGE_SIZE;
    if (++pageOffset >= pageLast) break;
  }
  return { ...res, ret };
}

/**
 * The fault of a page-based design: the prefault window as pages (up to
 * `numPrefault` pfns of the tt from `pageOffset`, stopping at a missing
 * page; none → OOM), handed to `insert` in one call.
 */
export function ttmPagesFault(
  bo: TtmBo,
  pageOffset: number,
  pageLast: number,
  numPrefault: number,
  res: TtmFaultResult,
  insert: (pfns: number[]) => { ret: VmFault; inserted: number },
): TtmFaultResult {
  const n = Math.min(numPrefault, pageLast - pageOffset, bo.numPages - pageOffset);
  const pfns: number[] = [];
  for (let i = 0; i < n; i++) {
    const pfn = bo.ttm!.pages[pageOffset + i] ?? -1;
    if (pfn < 0) break;
    pfns.push(pfn);
  }
  if (pfns.length === 0) return { ...res, ret: VM_FAULT_OOM };
  return { ...res, ...insert(pfns) };
}

function errName(err: number): string {
  return { [-12]: '-ENOMEM', [-4]: '-EINTR', [-11]: '-EAGAIN', [-22]: '-EINVAL' }[err] ?? `${err}`;
}

/**
 * `ttm_bo_vm_fault(vmf)` for a fault at user address `addr` of the current
 * process (spec 05 §4.2): the VMA's BO is reserved (no contention in the
 * model), `prot = vm_page_prot`, then `ttm_bo_vm_fault_reserved` with
 * `TTM_BO_VM_NUM_PREFAULT`. A fault outside any VMA is the core MM's
 * SIGSEGV; a VMA that is no BO's → SIGBUS.
 */
export function ttmBoVmFault(k: MmContext, addr: number, mm: MmStruct = currentMm(k)): TtmFaultResult {
  const vma = mm.vmaLookup(addr);
  if (!vma) return { ret: VM_FAULT_SIGSEGV, inserted: 0, requestedProt: 0, vma: null, bo: null };
  const bo = ttmBoOfVma(k, vma);
  if (!bo) {
    k.log.refuse('ttm_bo_vm_fault', 'the VMA is no BO\'s (vma->vm_private_data)', 'VM_FAULT_SIGBUS');
    return { ret: VM_FAULT_SIGBUS, inserted: 0, requestedProt: 0, vma, bo: null };
  }
  const address = Math.floor(addr / PAGE_SIZE) * PAGE_SIZE;
  return ttmBoVmFaultReserved(k, vma, bo, address, vma.pageProt, ttmBoVmNumPrefault(k));
}

