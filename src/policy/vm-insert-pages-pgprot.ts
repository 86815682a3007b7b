/**
 * Option 1: a page-based `vm_insert_pages_pgprot()` that installs the
 * caller's prot verbatim (normal PTEs, refcount and mapcount +1 per page,
 * BUG on `VM_PFNMAP`, refcount-0 tail pages of non-compound higher-order
 * allocations → -EINVAL), and TTM's fault handing it the prefault window
 * (spec 06 §3 option 1).
 */
import { cacheModeShort } from '../hw/cache-mode.js';
import { pagesInsertCall, pteFields } from '../calls/vm-calls.js';
import { chainMark, chainRewind } from '../kernel/chain.js';
import { ttmPagesFault } from '../kernel/drivers/ttm/fault.js';
import type { TtmFaultInsertHook } from '../kernel/hooks.js';
import type { MmContext } from '../kernel/mm/mm-context.js';
import { VM_FAULT_NOPAGE, vmfError } from '../kernel/vm/fault.js';
import { insertPagesProt } from '../kernel/vm/insert-page.js';
import { protMode } from '../kernel/vm/pte-write.js';
import type { Vma } from '../kernel/vm/vma.js';
import type { Policy } from './policy.js';

/** Without the debug checks nothing is judged (hook `debugChecks` absent). */
const noChecks = (): boolean => true;

/** Option 1: `vm_insert_pages_pgprot(vma, addr, pages, &num, pgprot)` (proposed, not in tree). */
export function vmInsertPagesPgprot(k: MmContext, vma: Vma, addr: number, pfns: ArrayLike<number>, prot: number): { ret: number; remaining: number } {
  (k.hooks.debugChecks ?? noChecks)(k, 'vm_insert_pages_pgprot', pfns, protMode(k, prot), false);
  const mark = chainMark(k.log);
  k.log.chain?.push({ fn: 'vm_insert_pages_pgprot [design vm-insert-pages-pgprot]', read: `caller's prot ${cacheModeShort(protMode(k, prot))}`, result: 'normal PTEs with that prot, no PAT lookup' });
  const r = insertPagesProt(k, vma, addr, pfns, prot, 'vm_insert_pages_pgprot');
  chainRewind(k.log, mark);
  return r;
}

/** Hook `ttmFaultInsert`: the prefault window as pages, in one call; the VMA is `VM_MIXEDMAP` (page inserts need it). */
const ttmFault: TtmFaultInsertHook = {
  mixedmap: true,
  insert: (k, vma, bo, address, pageOffset, pageLast, prot, numPrefault, res) =>
    ttmPagesFault(bo, pageOffset, pageLast, numPrefault, res, (pfns) => {
      const r = vmInsertPagesPgprot(k, vma, address, pfns, prot);
      return r.ret ? { ret: vmfError(r.ret), inserted: 0 } : { ret: VM_FAULT_NOPAGE, inserted: pfns.length - r.remaining };
    }),
};

const call = pagesInsertCall('vm_insert_pages_pgprot', "option 1: vm_insert_pages with the caller's prot verbatim (normal PTEs, refcounts) — spec 06 §3", 'vm-insert-pages-pgprot', (k, vma, addr, pages, prot) => {
  const r = vmInsertPagesPgprot(k, vma, addr, pages, prot);
  return { ret: r.ret, fields: { num: r.remaining, ...pteFields(k, vma, addr) } };
});

export const vmInsertPagesPgprotPolicy: Policy = {
  name: 'vm-insert-pages-pgprot',
  standsFor: 'option 1',
  title: 'option 1: page-based vm_insert_pages_pgprot with the caller\u2019s prot (refcounted, GUP-able pages)',
  spec: '06 §3 option 1',
  hooks: { ttmFaultInsert: ttmFault },
  calls: [call],
};
