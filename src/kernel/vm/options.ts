/**
 * The new insert APIs the debated options propose (spec 06 §3, §6). Each
 * exists only when its hook is on (the scenario calls say so otherwise):
 *
 * - `vm_insert_pages_pgprot` (option 1, hook `pagesPgprotApi`): 04 §6
 *   semantics with the caller's prot verbatim — normal PTEs, refcount and
 *   mapcount +1 per page, BUG on `VM_PFNMAP`, refcount-0 tail pages of
 *   non-compound higher-order allocations → -EINVAL.
 * - `vmf_insert_pages_pfnmap_prot` (the mixture, hook `pagesIntoPfnmap`):
 *   pages in, special PTEs with the caller's prot in a `VM_PFNMAP` VMA, no
 *   refcounts.
 * - `vmf_insert_ram_pfn_prot` (option 2, hook `ramOnlyPfnApi`):
 *   `vmf_insert_pfn_prot` without the PAT lookup, for ordinary RAM only.
 *
 * All three run the `debugPatChecks` WARNs (debug-checks.ts).
 */

import { cacheModeShort } from '../../hw/cache-mode.js';
import { chainMark, chainRewind } from '../chain.js';
import { NotModelledError } from '../not-modelled.js';
import type { MmContext } from '../mm/mm-context.js';
import { bugOn } from './bug.js';
import { debugPatChecks } from './debug-checks.js';
import { VM_FAULT_NOPAGE, VM_FAULT_SIGBUS, type VmFault } from './fault.js';
import { isCowMapping, VM_MIXEDMAP, VM_PFNMAP } from './flags.js';
import { insertPagesProt } from './insert-page.js';
import { insertPfn, insertPfnBugChecks } from './insert-pfn.js';
import { protMode } from './pte-write.js';
import type { Vma } from './vma.js';

const PAGE = 4096;

/** Option 1: `vm_insert_pages_pgprot(vma, addr, pages, &num, pgprot)` (proposed, not in tree). */
export function vmInsertPagesPgprot(k: MmContext, vma: Vma, addr: number, pfns: ArrayLike<number>, prot: number): { ret: number; remaining: number } {
  debugPatChecks(k, 'vm_insert_pages_pgprot', pfns, protMode(k, prot), false);
  const mark = chainMark(k.log);
  k.log.chain?.push({ fn: 'vm_insert_pages_pgprot [hook pagesPgprotApi]', read: `caller's prot ${cacheModeShort(protMode(k, prot))}`, result: 'normal PTEs with that prot, no PAT lookup' });
  const r = insertPagesProt(k, vma, addr, pfns, prot, 'vm_insert_pages_pgprot');
  chainRewind(k.log, mark);
  return r;
}

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
  if (addr < vma.start || addr + pfns.length * PAGE > vma.end) return VM_FAULT_SIGBUS;
  for (let i = 0; i < pfns.length; i++)
    if (!k.pages.pfnValid(pfns[i]!)) throw new NotModelledError(`a struct page for pfn 0x${pfns[i]!.toString(16)} (outside the memmap)`);
  debugPatChecks(k, fn, pfns, protMode(k, prot), false);
  const mark = chainMark(k.log);
  k.log.chain?.push({ fn: `${fn} [hook pagesIntoPfnmap]`, read: `caller's prot ${cacheModeShort(protMode(k, prot))}`, result: 'special PTEs with that prot, no PAT lookup' });
  for (let i = 0; i < pfns.length; i++) insertPfn(k, vma, addr + i * PAGE, pfns[i]!, prot, false, fn, prot);
  chainRewind(k.log, mark);
  return VM_FAULT_NOPAGE;
}

/**
 * Option 2: `vmf_insert_ram_pfn_prot(vma, addr, pfn, pgprot)` (proposed;
 * name unspecified in the thread, the model's). Steps 1–6 and 8 of
 * `vmf_insert_pfn_prot` (no `pfnmap_setup_cachemode_pfn`). Its documented
 * precondition — ordinary RAM whose direct map the caller made consistent —
 * is only checked with `debugPatChecks`, which refuses a non-RAM pfn with
 * `VM_FAULT_SIGBUS`; without it the caller's bits go in as given.
 */
export function vmfInsertRamPfnProt(k: MmContext, vma: Vma, addr: number, pfn: number, prot: number): VmFault {
  const fn = 'vmf_insert_ram_pfn_prot';
  insertPfnBugChecks(k, vma, pfn, fn);
  if (!vma.contains(addr)) return VM_FAULT_SIGBUS;
  if (!debugPatChecks(k, fn, [pfn], protMode(k, prot), true)) return VM_FAULT_SIGBUS;
  const mark = chainMark(k.log);
  k.log.chain?.push({ fn: `${fn} [hook ramOnlyPfnApi]`, read: `caller's prot ${cacheModeShort(protMode(k, prot))}`, result: 'no pfnmap_setup_cachemode_pfn: prot kept' });
  const ret = insertPfn(k, vma, addr, pfn, prot, false, fn, prot);
  chainRewind(k.log, mark);
  return ret;
}
