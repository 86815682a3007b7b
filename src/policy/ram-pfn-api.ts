/**
 * Option 2: a RAM-only PFN insert, `vmf_insert_ram_pfn_prot()`, installing
 * the caller's bits without the PAT lookup, with debug-kernel direct-map
 * checks; TTM's fault uses it for system pages (iomem keeps the PFN
 * insert). Spec 06 §3 option 2.
 */
import { cacheModeShort } from '../hw/cache-mode.js';
import { defineCall } from '../calls/define.js';
import { inDesign, PFN_INSERT, pfnInsert, protOf, PROT } from '../calls/vm-calls.js';
import { chainMark, chainRewind } from '../kernel/chain.js';
import { ttmFaultPfnLoop } from '../kernel/drivers/ttm/fault.js';
import type { TtmFaultInsertHook } from '../kernel/hooks.js';
import type { MmContext } from '../kernel/mm/mm-context.js';
import { VM_FAULT_SIGBUS, type VmFault } from '../kernel/vm/fault.js';
import { insertPfn, insertPfnBugChecks } from '../kernel/vm/insert-pfn.js';
import { protMode } from '../kernel/vm/pte-write.js';
import type { Vma } from '../kernel/vm/vma.js';
import { debugPatChecks } from './debug-checks.js';
import type { Policy } from './policy.js';

/** Without the debug checks nothing is judged (hook `debugChecks` absent). */
const noChecks = (): boolean => true;

/**
 * Option 2: `vmf_insert_ram_pfn_prot(vma, addr, pfn, pgprot)` (proposed;
 * name unspecified in the thread, the model's). Steps 1–6 and 8 of
 * `vmf_insert_pfn_prot` (no `pfnmap_setup_cachemode_pfn`). Its documented
 * precondition — ordinary RAM whose direct map the caller made consistent —
 * is only checked with the debug checks, which refuses a non-RAM pfn with
 * `VM_FAULT_SIGBUS`; without it the caller's bits go in as given.
 */
export function vmfInsertRamPfnProt(k: MmContext, vma: Vma, addr: number, pfn: number, prot: number): VmFault {
  const fn = 'vmf_insert_ram_pfn_prot';
  insertPfnBugChecks(k, vma, pfn, fn);
  if (!vma.contains(addr)) return VM_FAULT_SIGBUS;
  if (!(k.hooks.debugChecks ?? noChecks)(k, fn, [pfn], protMode(k, prot), true)) return VM_FAULT_SIGBUS;
  const mark = chainMark(k.log);
  k.log.chain?.push({ fn: `${fn} [design ram-pfn-api]`, read: `caller's prot ${cacheModeShort(protMode(k, prot))}`, result: 'no pfnmap_setup_cachemode_pfn: prot kept' });
  const ret = insertPfn(k, vma, addr, pfn, prot, false, fn, prot);
  chainRewind(k.log, mark);
  return ret;
}

/** Hook `ttmFaultInsert`: the kernel's loop, with the RAM-only insert for the tt's pages. */
const ttmFault: TtmFaultInsertHook = {
  insert: (k, vma, bo, address, pageOffset, pageLast, prot, numPrefault, res) => ttmFaultPfnLoop(k, vma, bo, address, pageOffset, pageLast, prot, numPrefault, res, vmfInsertRamPfnProt),
};

export const ramPfnApi: Policy = {
  name: 'ram-pfn-api',
  standsFor: 'option 2',
  title: 'option 2: RAM-only PFN insert installing the caller\u2019s bits, with debug-kernel direct-map checks',
  spec: '06 §3 option 2',
  hooks: { ttmFaultInsert: ttmFault, debugChecks: debugPatChecks },
  calls: [
    defineCall(
      {
        name: 'vmf_insert_ram_pfn_prot',
        doc: 'option 2: vmf_insert_pfn_prot without the PAT lookup, for ordinary RAM — spec 06 §3',
        args: { ...PFN_INSERT, prot: PROT },
        available: inDesign('vmf_insert_ram_pfn_prot', 'ram-pfn-api'),
      },
      (k, a) => pfnInsert(k, 'vmf_insert_ram_pfn_prot', a.addr, (v) => vmfInsertRamPfnProt(k, v, a.addr, a.pfn, protOf(k, v, a.prot))),
    ),
  ],
};
