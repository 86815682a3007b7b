/**
 * The mixture: pages in (they prove "ordinary RAM"), mapped as special,
 * non-refcounted PTEs with the caller's prot in a `VM_PFNMAP` VMA:
 * `vmf_insert_pages_pfnmap_prot()`, and TTM's fault handing it the
 * prefault window (spec 06 §3 mixture).
 */
import { cacheModeShort } from '../hw/cache-mode.js';
import { faultResult, pagesInsertCall } from '../calls/vm-calls.js';
import { chainMark, chainRewind } from '../kernel/chain.js';
import { ttmPagesFault } from '../kernel/drivers/ttm/fault.js';
import type { TtmFaultInsertHook } from '../kernel/hooks.js';
import type { MmContext } from '../kernel/mm/mm-context.js';
import { NotModelledError } from '../kernel/not-modelled.js';
import { bugOn } from '../kernel/vm/bug.js';
import { VM_FAULT_NOPAGE, VM_FAULT_SIGBUS, type VmFault } from '../kernel/vm/fault.js';
import { isCowMapping, VM_MIXEDMAP, VM_PFNMAP } from '../kernel/vm/flags.js';
import { insertPfn } from '../kernel/vm/insert-pfn.js';
import { protMode } from '../kernel/vm/pte-write.js';
import type { Vma } from '../kernel/vm/vma.js';
import type { Policy } from './policy.js';
import { PAGE_SIZE } from '../hw/page.js';


/** Without the debug checks nothing is judged (hook `debugChecks` absent). */
const noChecks = (): boolean => true;

/**
 * The mixture: `vmf_insert_pages_pfnmap_prot(vma, addr, pages, n, pgprot)`
 * (proposed; name the model's). The VMA must be `VM_PFNMAP` (not
 * MIXEDMAP, not COW: BUG otherwise); pages must have a `struct page` (they
 * prove "ordinary RAM"); each slot gets a special PTE with the caller's prot
 * (an occupied slot is kept, as `insert_pfn` does). No PAT lookup, no
 * refcount, no rmap. SIGBUS if the range leaves the VMA.
 */
export function vmfInsertPagesPfnmapProt(k: MmContext, vma: Vma, addr: number, pfns: ArrayLike<number>, prot: number): VmFault {
  const fn = 'vmf_insert_pages_pfnmap_prot';
  if (!(vma.flags & VM_PFNMAP) || vma.flags & VM_MIXEDMAP) bugOn(k, fn, '!(vma->vm_flags & VM_PFNMAP) || (vma->vm_flags & VM_MIXEDMAP)');
  if (isCowMapping(vma.flags)) bugOn(k, fn, 'is_cow_mapping(vma->vm_flags)');
  if (addr < vma.start || addr + pfns.length * PAGE_SIZE > vma.end) return VM_FAULT_SIGBUS;
  for (let i = 0; i < pfns.length; i++)
    if (!k.pages.pfnValid(pfns[i]!)) throw new NotModelledError(`a struct page for pfn 0x${pfns[i]!.toString(16)} (outside the memmap)`);
  (k.hooks.debugChecks ?? noChecks)(k, fn, pfns, protMode(k, prot), false);
  const mark = chainMark(k.log);
  k.log.chain?.push({ fn: `${fn} [design pages-into-pfnmap]`, read: `caller's prot ${cacheModeShort(protMode(k, prot))}`, result: 'special PTEs with that prot, no PAT lookup' });
  for (let i = 0; i < pfns.length; i++) insertPfn(k, vma, addr + i * PAGE_SIZE, pfns[i]!, prot, false, fn, prot);
  chainRewind(k.log, mark);
  return VM_FAULT_NOPAGE;
}

/** Hook `ttmFaultInsert`: the prefault window as pages, in one call, into TTM's `VM_PFNMAP` VMA. */
const ttmFault: TtmFaultInsertHook = {
  insert: (k, vma, bo, address, pageOffset, pageLast, prot, numPrefault, res) =>
    ttmPagesFault(bo, pageOffset, pageLast, numPrefault, res, (pfns) => {
      const ret = vmfInsertPagesPfnmapProt(k, vma, address, pfns, prot);
      return { ret, inserted: ret === VM_FAULT_NOPAGE ? pfns.length : 0 };
    }),
};

const call = pagesInsertCall(
  'vmf_insert_pages_pfnmap_prot',
  "the mixture: pages mapped as special PTEs with the caller's prot in a VM_PFNMAP VMA, no refcounts — spec 06 §3",
  'pages-into-pfnmap',
  (k, vma, addr, pages, prot) => faultResult(k, vma, addr, vmfInsertPagesPfnmapProt(k, vma, addr, pages, prot)),
);

export const pagesIntoPfnmap: Policy = {
  name: 'pages-into-pfnmap',
  standsFor: 'the mixture',
  title: 'mixture: take pages, map them non-refcounted in a VM_PFNMAP VMA with the caller\u2019s prot',
  spec: '06 §3 mixture',
  hooks: { ttmFaultInsert: ttmFault },
  calls: [call],
};
