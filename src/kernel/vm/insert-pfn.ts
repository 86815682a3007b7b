/**
 * PFN inserts from fault handlers: `vmf_insert_pfn_prot`, `vmf_insert_pfn`,
 * `vmf_insert_pfn_prot_mkwrite`, `vmf_insert_mixed(_mkwrite)` and the huge
 * `vmf_insert_pfn_pmd/pud` (mm/memory.c, mm/huge_memory.c; spec 04 §4, §5).
 *
 * All of them write *special* PTEs (no refcount, no rmap) and, in today's
 * kernel, replace the caller's cache bits with the PAT record of the pfn
 * (`pfnmap_setup_cachemode_pfn`, silently). Hook `vmfInsertPfnCachemode`
 * (spec 06 §6, spec/07 A10 resolved by splitting the call graph) replaces
 * that decision in `vmf_insert_pfn_prot` and `vmf_insert_pfn_prot_mkwrite`
 * only; `vmf_insert_pfn` and `vmf_insert_mixed`, which pass `vm_page_prot`,
 * keep it.
 */

import { cacheModeShort } from '../../hw/cache-mode.js';
import { PAGE_CACHE_MASK } from '../../hw/pte.js';
import { chainMark, chainRewind } from '../chain.js';
import type { MmContext } from '../mm/mm-context.js';
import { bugOn, warnOnOnce } from './bug.js';
import { VM_FAULT_FALLBACK, VM_FAULT_NOPAGE, VM_FAULT_SIGBUS, type VmFault } from './fault.js';
import { isCowMapping, VM_MIXEDMAP, VM_PFNMAP, VM_WRITE, _PAGE_ACCESSED, _PAGE_DIRTY, _PAGE_RW, _PAGE_SPECIAL } from './flags.js';
import { setupCachemodePfn } from './pat-glue.js';
import { emitInstalled, protMode } from './pte-write.js';
import { leafPages, LV_1G, LV_2M, LV_4K } from './user-ptes.js';
import type { Vma } from './vma.js';
import { PAGE_SIZE } from '../../hw/page.js';


/** The VMA-flag BUG_ONs of `vmf_insert_pfn_prot` (spec 04 §4 steps 1–4). */
export function insertPfnBugChecks(k: MmContext, vma: Vma, pfn: number, fn: string): void {
  const f = vma.flags;
  if (!(f & (VM_PFNMAP | VM_MIXEDMAP))) bugOn(k, fn, '!(vma->vm_flags & (VM_PFNMAP|VM_MIXEDMAP))');
  if ((f & (VM_PFNMAP | VM_MIXEDMAP)) === (VM_PFNMAP | VM_MIXEDMAP)) bugOn(k, fn, '(vma->vm_flags & (VM_PFNMAP|VM_MIXEDMAP)) == (VM_PFNMAP|VM_MIXEDMAP)');
  if (f & VM_PFNMAP && isCowMapping(f)) bugOn(k, fn, '(vma->vm_flags & VM_PFNMAP) && is_cow_mapping(vma->vm_flags)');
  if (f & VM_MIXEDMAP && k.pages.pfnValid(pfn)) bugOn(k, fn, '(vma->vm_flags & VM_MIXEDMAP) && pfn_valid(pfn)');
}

/** young + dirty + writable-if-`VM_WRITE`: what `mkwrite` adds. */
function mkwriteBits(vma: Vma): number {
  return _PAGE_ACCESSED | _PAGE_DIRTY | (vma.flags & VM_WRITE ? _PAGE_RW : 0);
}

/**
 * `insert_pfn(vma, addr, pfn, prot, mkwrite)` (spec 04 §4): an occupied PTE
 * is left alone (mkwrite: made young/dirty/writable if it maps the same pfn,
 * else a WARN_ON_ONCE); an empty one gets a special `(pfn, prot)` entry. No
 * TLB flush, no refcount, no PAT state change. `requestedProt` is what the
 * caller asked for (the `map` event's requested mode).
 */
export function insertPfn(k: MmContext, vma: Vma, addr: number, pfn: number, prot: number, mkwrite: boolean, call: string, requestedProt: number): VmFault {
  k.counters.ptWalks++;
  const p = vma.ptes;
  const s = vma.slot(addr);
  if (!p.isNone(s)) {
    if (!mkwrite) return VM_FAULT_NOPAGE;
    if (p.pfnAt(s) !== pfn) {
      warnOnOnce(k, 'insert_pfn');
      return VM_FAULT_NOPAGE;
    }
    const mk = mkwriteBits(vma);
    p.mapBits(s, s + 1, (b) => b | mk);
    return VM_FAULT_NOPAGE;
  }
  p.set(s, pfn, prot | _PAGE_SPECIAL | (mkwrite ? mkwriteBits(vma) : 0), LV_4K, k.log.step);
  emitInstalled(k, call, vma, s, s + 1, protMode(k, requestedProt));
  return VM_FAULT_NOPAGE;
}

interface PfnProtOpts {
  mkwrite: boolean;
  /** A `_prot` entry point: the design's cache decision (hook `vmfInsertPfnCachemode`) applies. */
  prot: boolean;
  call: string;
}

/** The shared body of the `vmf_insert_pfn*` family (spec 04 §4 steps 1–8). */
function vmfInsertPfnCore(k: MmContext, vma: Vma, addr: number, pfn: number, protIn: number, o: PfnProtOpts): VmFault {
  // This call's decisions end with it (a fault's next page starts afresh).
  const mark = chainMark(k.log);
  const ret = vmfInsertPfnDecide(k, vma, addr, pfn, protIn, o);
  chainRewind(k.log, mark);
  return ret;
}

function vmfInsertPfnDecide(k: MmContext, vma: Vma, addr: number, pfn: number, protIn: number, o: PfnProtOpts): VmFault {
  insertPfnBugChecks(k, vma, pfn, o.call);
  if (!vma.contains(addr)) return VM_FAULT_SIGBUS;
  // pfn_modify_allowed(): always true (no L1TF state in the machine model).
  const hook = o.prot ? k.hooks.vmfInsertPfnCachemode : undefined;
  const prot = hook ? hook(k, pfn, protIn, o.call) : vmfInsertPfnLookup(k, pfn, protIn, o.call);
  if (prot === null) return VM_FAULT_SIGBUS;
  return insertPfn(k, vma, addr, pfn, prot, o.mkwrite, o.call, protIn);
}

/**
 * The kernel's own cache decision of the `vmf_insert_pfn*` family (spec 04
 * §4 step 7): `pfnmap_setup_cachemode_pfn` replaces the caller's cache bits
 * with PAT's record of the pfn, silently.
 */
export function vmfInsertPfnLookup(k: MmContext, pfn: number, protIn: number, call: string): number {
  k.log.chain?.push({ fn: call, read: `caller's prot ${cacheModeShort(protMode(k, protIn))}`, result: 'PAT lookup' });
  return setupCachemodePfn(k, pfn, protIn);
}

/** `vmf_insert_pfn_prot(vma, addr, pfn, pgprot)` (spec 04 §4); hook `vmfInsertPfnCachemode`. */
export function vmfInsertPfnProt(k: MmContext, vma: Vma, addr: number, pfn: number, prot: number): VmFault {
  return vmfInsertPfnCore(k, vma, addr, pfn, prot, { mkwrite: false, prot: true, call: 'vmf_insert_pfn_prot' });
}

/**
 * `vmf_insert_pfn_prot_mkwrite(vma, addr, pfn, prot, mkwrite)` (newest TTM;
 * spec 04 §4): its mm/ side was not available to the spec writer, which
 * says "presumably identical" to `vmf_insert_pfn_prot` with `mkwrite`
 * forwarded to `insert_pfn`; modelled exactly so (same hook).
 */
export function vmfInsertPfnProtMkwrite(k: MmContext, vma: Vma, addr: number, pfn: number, prot: number, mkwrite: boolean): VmFault {
  return vmfInsertPfnCore(k, vma, addr, pfn, prot, { mkwrite, prot: true, call: 'vmf_insert_pfn_prot_mkwrite' });
}

/** `vmf_insert_pfn(vma, addr, pfn)` = the `_prot` form with `vm_page_prot`; always keeps the PAT lookup (spec 04 §4, spec/07 A10). */
export function vmfInsertPfn(k: MmContext, vma: Vma, addr: number, pfn: number): VmFault {
  return vmfInsertPfnCore(k, vma, addr, pfn, vma.pageProt, { mkwrite: false, prot: false, call: 'vmf_insert_pfn' });
}

/**
 * `vm_mixed_ok(vma, pfn, mkwrite)` (spec 04 §5): only `VM_MIXEDMAP` VMAs (or
 * the zero pfn, which the model never names: it has no shared zero page).
 */
function vmMixedOk(vma: Vma): boolean {
  return (vma.flags & VM_MIXEDMAP) !== 0;
}

/**
 * `__vm_insert_mixed(vma, addr, pfn, mkwrite)` (spec 04 §5): the x86 path
 * (PTE special available) is `insert_pfn` after the PAT lookup, so even a
 * RAM pfn gets a special, non-refcounted PTE.
 */
function vmInsertMixed(k: MmContext, vma: Vma, addr: number, pfn: number, mkwrite: boolean, call: string): VmFault {
  // Before v6.10 the check was a BUG_ON, and it came before the address check (KernelFlags.vmMixedOkBug).
  if (!vmMixedOk(vma)) return k.flags.vmMixedOkBug ? bugOn(k, '__vm_insert_mixed', '!vm_mixed_ok(vma, pfn)') : VM_FAULT_SIGBUS;
  if (!vma.contains(addr)) return VM_FAULT_SIGBUS;
  const mark = chainMark(k.log);
  k.log.chain?.push({ fn: call, read: `vm_page_prot ${cacheModeShort(protMode(k, vma.pageProt))}`, result: 'PAT lookup' });
  const prot = setupCachemodePfn(k, pfn, vma.pageProt);
  const ret = insertPfn(k, vma, addr, pfn, prot, mkwrite, call, vma.pageProt);
  chainRewind(k.log, mark);
  return ret;
}

/** `vmf_insert_mixed(vma, addr, pfn)` (spec 04 §5). */
export function vmfInsertMixed(k: MmContext, vma: Vma, addr: number, pfn: number): VmFault {
  return vmInsertMixed(k, vma, addr, pfn, false, 'vmf_insert_mixed');
}

/** `vmf_insert_mixed_mkwrite(vma, addr, pfn)` (spec 04 §5). */
export function vmfInsertMixedMkwrite(k: MmContext, vma: Vma, addr: number, pfn: number): VmFault {
  return vmInsertMixed(k, vma, addr, pfn, true, 'vmf_insert_mixed_mkwrite');
}

/**
 * `vmf_insert_pfn_pmd(vmf, pfn, write)` / `vmf_insert_pfn_pud` (spec 04 §4
 * "Huge variants"): the same BUG_ON set, SIGBUS outside the VMA, the PAT
 * lookup on the first pfn only, then one special PMD/PUD leaf with
 * `vm_page_prot`. An occupied PMD (a leaf, or a PTE table with entries) is
 * left alone (write: made young/dirty/writable if it is the same leaf). Model
 * choice: a leaf that would not fit inside the VMA → `VM_FAULT_FALLBACK`
 * (the fault path would not have tried).
 */
export function vmfInsertPfnHuge(k: MmContext, vma: Vma, addrIn: number, pfn: number, write: boolean, level: typeof LV_2M | typeof LV_1G): VmFault {
  const call = level === LV_2M ? 'vmf_insert_pfn_pmd' : 'vmf_insert_pfn_pud';
  insertPfnBugChecks(k, vma, pfn, call);
  const n = leafPages(level);
  const addr = Math.floor(addrIn / (n * PAGE_SIZE)) * n * PAGE_SIZE;
  if (!vma.contains(addr)) return VM_FAULT_SIGBUS;
  if (addr + n * PAGE_SIZE > vma.end) return VM_FAULT_FALLBACK;
  k.counters.ptWalks++;
  const mark = chainMark(k.log);
  k.log.chain?.push({ fn: call, read: `vm_page_prot ${cacheModeShort(protMode(k, vma.pageProt))}`, result: 'PAT lookup of the first pfn' });
  const prot = setupCachemodePfn(k, pfn, vma.pageProt);
  const p = vma.ptes;
  const s = vma.slot(addr);
  if (p.firstPresent(s, s + n) >= 0) {
    if (write && p.levelAt(s) === level && p.pfnAt(s) === pfn) {
      const mk = mkwriteBits(vma);
      p.mapBits(s, s + n, (b) => b | mk);
    }
    chainRewind(k.log, mark);
    return VM_FAULT_NOPAGE;
  }
  const bits = (prot & 0xffff) | _PAGE_SPECIAL | (write ? mkwriteBits(vma) : 0);
  p.setRange(s, n, pfn, bits, level, k.log.step);
  emitInstalled(k, call, vma, s, s + n, protMode(k, vma.pageProt & PAGE_CACHE_MASK));
  chainRewind(k.log, mark);
  return VM_FAULT_NOPAGE;
}
