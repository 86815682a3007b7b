/**
 * RFC 1/3 "drm/ttm: use apply_page_range instead of vmf_insert_pfn_prot"
 * (Aug 20 2025, not merged; spec 06 §3 "RFC 1/3"), under
 * `k.hooks.ttmApplyToPageRange`: `ttm_bo_vm_fault_reserved` fills the PTEs
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

import { ENOMEM } from '../../errno.js';
import type { MmContext } from '../../mm/mm-context.js';
import { applyToPageRange } from '../../vm/apply.js';
import { VM_FAULT_NOPAGE, VM_FAULT_OOM, VM_FAULT_SIGBUS } from '../../vm/fault.js';
import type { Vma } from '../../vm/vma.js';
import type { TtmBo } from './bo.js';
import type { TtmFaultResult } from './fault.js';

const PAGE = 4096;

export function ttmApplyToPageRangeFault(
  k: MmContext,
  vma: Vma,
  bo: TtmBo,
  address: number,
  firstOffset: number,
  prot: number,
  numPrefault: number,
  res: TtmFaultResult,
): TtmFaultResult {
  const size = Math.min(numPrefault * PAGE, vma.end - address);
  let inserted = 0;
  const ret = applyToPageRange(
    k,
    vma.mm,
    address,
    size,
    (slot) => {
      const off = firstOffset + (slot.addr - address) / PAGE;
      let pfn: number;
      if (bo.resource.isIomem) pfn = Math.floor(bo.resource.busOffset / PAGE) + off;
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
