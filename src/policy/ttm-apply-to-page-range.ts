/**
 * RFC 1/3 "drm/ttm: use apply_page_range instead of vmf_insert_pfn_prot"
 * (Aug 20 2025, not merged; spec 06 §3 "RFC 1/3"), as hook `ttmFaultInsert`: `ttm_bo_vm_fault_reserved` fills the PTEs
 * with one `apply_to_page_range` over min(num_prefault pages, vm_end −
 * fault address), writing special `(pfn, prot from ttm_io_prot)` entries
 * unconditionally — no PAT lookup, so the tt's caching reaches the PTE even
 * for a highmem page whose page flag is WB.
 *
 * Error mapping: -EINTR/-ERESTARTSYS/-EAGAIN → NOPAGE, -ENOMEM → OOM, other
 * → `pr_debug("TTM fault hit %pe.")` + SIGBUS, success → NOPAGE. The
 * callback's "missing page" (`ttm->pages[i] == NULL`, or past the BO) is
 * -ENOMEM.
 */

import { ENOMEM } from '../kernel/errno.js';
import type { TtmBo } from '../kernel/drivers/ttm/bo.js';
import type { TtmFaultResult } from '../kernel/drivers/ttm/fault.js';
import type { TtmFaultInsertHook } from '../kernel/hooks.js';
import type { MmContext } from '../kernel/mm/mm-context.js';
import { applyToPageRange } from '../kernel/vm/apply.js';
import { VM_FAULT_NOPAGE, VM_FAULT_OOM, VM_FAULT_SIGBUS } from '../kernel/vm/fault.js';
import type { Vma } from '../kernel/vm/vma.js';
import type { Policy } from './policy.js';
import { PAGE_SIZE } from '../hw/page.js';


function ttmApplyToPageRangeFault(
  k: MmContext,
  vma: Vma,
  bo: TtmBo,
  address: number,
  firstOffset: number,
  prot: number,
  numPrefault: number,
  res: TtmFaultResult,
): TtmFaultResult {
  const size = Math.min(numPrefault * PAGE_SIZE, vma.end - address);
  let inserted = 0;
  const ret = applyToPageRange(
    k,
    vma.mm,
    address,
    size,
    (slot) => {
      const off = firstOffset + (slot.addr - address) / PAGE_SIZE;
      let pfn: number;
      if (bo.resource.isIomem) pfn = Math.floor(bo.resource.busOffset / PAGE_SIZE) + off;
      else {
        pfn = off < bo.numPages ? bo.ttm!.pages[off]! : -1;
        if (pfn < 0) return -ENOMEM;
      }
      inserted++;
      return { pfn, prot };
    },
    'apply_to_page_range',
  );
  if (ret === 0) return { ...res, ret: VM_FAULT_NOPAGE, inserted };
  if (ret === -4 || ret === -512 || ret === -11) return { ...res, ret: VM_FAULT_NOPAGE, inserted };
  if (ret === -ENOMEM) return { ...res, ret: VM_FAULT_OOM, inserted };
  k.log.emit('debug', `[TTM] TTM fault hit ${ret}.`);
  return { ...res, ret: VM_FAULT_SIGBUS, inserted };
}

/** Hook `ttmFaultInsert`, for iomem BOs too; a populate that ran out of memory is OOM (RFC 1/3's error mapping). */
const ttmFault: TtmFaultInsertHook = {
  iomem: true,
  populateFailed: (_k, ret) => (ret === -ENOMEM ? VM_FAULT_OOM : null),
  insert: (k, vma, bo, address, pageOffset, _pageLast, prot, numPrefault, res) => ttmApplyToPageRangeFault(k, vma, bo, address, pageOffset, prot, numPrefault, res),
};

export const ttmApplyToPageRange: Policy = {
  name: 'ttm-apply-to-page-range',
  standsFor: 'RFC 1/3',
  title: 'RFC 1/3: TTM\u2019s fault handler writes PTEs with apply_to_page_range (no PAT lookup, no checks)',
  spec: '06 §3 RFC 1/3',
  hooks: { ttmFaultInsert: ttmFault },
};
