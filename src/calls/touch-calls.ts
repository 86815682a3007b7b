/**
 * A user process touching memory: every access to a page whose PTE is not
 * present faults into the VMA's fault handler, exactly once per missing page
 * in address order (what "fault every page through a user mapping" means).
 * The modelled fault handlers are TTM's.
 */

import type { MmContext } from '../kernel/mm/mm-context.js';
import { ttmBoVmFault } from '../kernel/drivers/ttm/fault.js';
import { VM_FAULT_NOPAGE } from '../kernel/vm/fault.js';
import { currentMm } from '../kernel/vm/mm.js';
import type { CallResult, CallSpec } from './types.js';
import { REPLAY_PFNS, withReplayAt } from './driver-calls.js';
import { defineCall, opt } from './define.js';
import { PAGE_SIZE } from '../hw/page.js';


/** Touch `[addr, addr + size)` in the current process; returns the faults taken and the first failure. */
export function ttmBoTouch(k: MmContext, addr: number, size: number, write: boolean): CallResult {
  const mm = currentMm(k);
  let faults = 0;
  let inserted = 0;
  const end = addr + size;
  for (let va = Math.floor(addr / PAGE_SIZE) * PAGE_SIZE; va < end; va += PAGE_SIZE) {
    const vma = mm.vmaLookup(va);
    if (vma && !vma.ptes.isNone(vma.slot(va))) continue;
    const r = ttmBoVmFault(k, va);
    faults++;
    inserted += r.inserted;
    if (r.ret !== VM_FAULT_NOPAGE) return { fields: { faults, inserted, fault: { fault: r.ret }, at: { addr: va }, write } };
  }
  return { fields: { faults, inserted, fault: { fault: VM_FAULT_NOPAGE }, write } };
}

export const TOUCH_CALLS: CallSpec<MmContext>[] = [
  defineCall(
    {
      name: 'ttm_bo_touch',
      doc: 'user space touches every page of [addr, addr+size) of a TTM BO mapping: each non-present page faults into ttm_bo_vm_fault (which prefaults up to TTM_BO_VM_NUM_PREFAULT pages) — spec 05 §4.2',
      args: { addr: 'vaddr', size: 'size', write: opt('bool'), pfns: REPLAY_PFNS },
    },
    // The first fault populates the BO's tt: a replay gives its pages where a real kernel's pool put them.
    (k, a) => withReplayAt(k, a.addr, a.pfns, () => ttmBoTouch(k, a.addr, a.size, a.write !== false)),
  ),
];
