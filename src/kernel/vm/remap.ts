/**
 * `remap_pfn_range()` and its wrappers `io_remap_pfn_range()`,
 * `vm_iomap_memory()` (mm/memory.c; spec 04 §3, §12).
 *
 * A whole-VMA remap reserves (v6.16+: `pfnmap_track` + a kref'd ctx; ≤ v6.15:
 * `track_pfn_remap` + `VM_PAT`); a partial one only looks the type up. Every
 * tracking failure is collapsed to -EINVAL, and a failing remap never leaves
 * PTEs behind.
 */

import { cacheModeShort } from '../../hw/cache-mode.js';
import { chainMark, chainRewind } from '../chain.js';
import { NotModelledError } from '../not-modelled.js';
import { EINVAL } from '../errno.js';
import type { MmContext } from '../mm/mm-context.js';
import { bugOn, warnOnOnce } from './bug.js';
import { isCowMapping, VM_PAT, VMA_REMAP_FLAGS, _PAGE_SPECIAL } from './flags.js';
import { vmAreaFree } from './lifecycle.js';
import { vmState } from './mm.js';
import { reservePfnRangeLegacyFull, setupCachemode, track, untrackPfnLegacy } from './pat-glue.js';
import { emitInstalled, protMode } from './pte-write.js';
import { LV_4K } from './user-ptes.js';
import type { Vma } from './vma.js';
import { PAGE_SIZE } from '../../hw/page.js';


/**
 * `remap_pfn_range(vma, addr, pfn, size, prot)` (spec 04 §3): 0 or a
 * negative errno. `call` names the API for the `map` event.
 */
export function remapPfnRange(k: MmContext, vma: Vma, addr: number, pfn: number, sizeIn: number, protIn: number, call = 'remap_pfn_range'): number {
  const mark = chainMark(k.log);
  const size = Math.ceil(sizeIn / PAGE_SIZE) * PAGE_SIZE;
  const full = addr === vma.start && addr + size === vma.end;
  const how = full ? (k.flags.legacyTrackPfn ? 'track_pfn_remap: whole VMA, reserve' : 'pfnmap_track: whole VMA, reserve') : 'part of the VMA: lookup only';
  k.log.chain?.push({ fn: call, read: `caller's prot ${cacheModeShort(protMode(k, protIn))}`, result: how });
  const ret = k.flags.legacyTrackPfn ? remapLegacy(k, vma, addr, pfn, size, protIn, full, call) : remapCurrent(k, vma, addr, pfn, size, protIn, full, call);
  chainRewind(k.log, mark);
  return ret;
}

/** v6.16+ `remap_pfn_range` (spec 04 §3): `pfnmap_track` for a whole VMA, `pfnmap_setup_cachemode` for part of one. */
function remapCurrent(k: MmContext, vma: Vma, addr: number, pfn: number, size: number, protIn: number, full: boolean, call: string): number {
  // Prepare: the flags stay set even if a later step fails.
  if (isCowMapping(vma.flags)) {
    if (!full) return refused(k, call, 'is_cow_mapping() and not the whole VMA');
    vma.pgoff = pfn;
  }
  vma.flags |= VMA_REMAP_FLAGS;

  let prot = protIn;
  if (full) {
    if (vma.trackCtx) return refused(k, call, 'the VMA is already tracked (vma->pfnmap_track_ctx): a second whole-VMA remap');
    const r = track(k, pfn, size, prot);
    if (r.ret) return refused(k, 'pfnmap_track', `memtype_reserve of [0x${(pfn * PAGE_SIZE).toString(16)}, +0x${size.toString(16)}) failed`);
    prot = r.prot;
    const ctx = vmState(k).newCtx(pfn, size);
    const err = remapPfnRangeInternal(k, vma, addr, pfn, size, prot, protIn, call);
    // Attach on success; on error the only reference is dropped, which untracks.
    vma.trackCtx = ctx;
    if (err) vmAreaFree(k, vma);
    return err;
  }
  const r = setupCachemode(k, pfn, size, prot);
  if (r.ret) return refused(k, 'pfnmap_setup_cachemode', 'the range has no single memtype (lookup failed)');
  return remapPfnRangeInternal(k, vma, addr, pfn, size, r.prot, protIn, call);
}

/**
 * ≤ v6.15 `remap_pfn_range` (spec 04 §12): `track_pfn_remap` first (whole
 * VMA: `reserve_pfn_range(strict=0)` and `VM_PAT`; partial: the lookup
 * rule), then `remap_pfn_range_notrack` (COW check, flags, PTEs); on error
 * `untrack_pfn(vma, pfn, size)`.
 */
function remapLegacy(k: MmContext, vma: Vma, addr: number, pfn: number, size: number, protIn: number, full: boolean, call: string): number {
  let prot = protIn;
  if (full) {
    const r = reservePfnRangeLegacyFull(k, pfn, size, prot);
    if (r.ret) return refused(k, 'track_pfn_remap', `reserve_pfn_range of [0x${(pfn * PAGE_SIZE).toString(16)}, +0x${size.toString(16)}) failed`);
    vma.flags |= VM_PAT;
    prot = r.prot;
  } else {
    const r = setupCachemode(k, pfn, size, prot);
    if (r.ret) return refused(k, 'track_pfn_remap', 'the range has no single memtype (lookup failed)');
    prot = r.prot;
  }
  let err: number;
  if (isCowMapping(vma.flags) && !full) err = refused(k, 'remap_pfn_range_notrack', 'is_cow_mapping() and not the whole VMA');
  else {
    if (isCowMapping(vma.flags)) vma.pgoff = pfn;
    vma.flags |= VMA_REMAP_FLAGS;
    err = remapPfnRangeInternal(k, vma, addr, pfn, size, prot, protIn, call);
  }
  if (err) untrackPfnLegacy(k, vma, pfn, size);
  return err;
}

function refused(k: MmContext, fn: string, check: string): number {
  k.log.refuse(fn, check, '-EINVAL');
  return -EINVAL;
}

/**
 * `remap_pfn_range_internal()` (spec 04 §3 step 3): write special PTEs for
 * every page; an unaligned address is a WARN and -EINVAL, an empty range or
 * an occupied PTE a BUG; on error the whole range is zapped again.
 * `pfn_modify_allowed()` is always true: the machine model has no L1TF
 * mitigation state (spec 04 §3).
 */
export function remapPfnRangeInternal(k: MmContext, vma: Vma, addr: number, pfn: number, size: number, prot: number, requestedProt: number, call: string): number {
  if (addr % PAGE_SIZE) {
    warnOnOnce(k, 'remap_pfn_range_internal');
    return -EINVAL;
  }
  if (size <= 0) bugOn(k, 'remap_pfn_range_internal', 'addr >= end');
  if (addr < vma.start || addr + size > vma.end) throw new NotModelledError(`${call} outside its VMA [0x${vma.start.toString(16)}-0x${vma.end.toString(16)}) (page tables without a VMA)`);
  k.counters.ptWalks++;
  const p = vma.ptes;
  const from = vma.slot(addr);
  const n = size / PAGE_SIZE;
  const step = k.log.step;
  // The PTEs before the first occupied one are written, then the BUG.
  const busy = p.firstPresent(from, from + n);
  p.setRange(from, (busy < 0 ? from + n : busy) - from, pfn, prot | _PAGE_SPECIAL, LV_4K, step);
  if (busy >= 0) bugOn(k, 'remap_pte_range', '!pte_none(ptep_get(pte))');
  emitInstalled(k, call, vma, from, from + n, protMode(k, requestedProt));
  return 0;
}

/** `io_remap_pfn_range()` = `remap_pfn_range(..., pgprot_decrypted(prot))`; the model has no encryption bit (spec 04 §3). */
export function ioRemapPfnRange(k: MmContext, vma: Vma, addr: number, pfn: number, size: number, prot: number, call = 'io_remap_pfn_range'): number {
  return remapPfnRange(k, vma, addr, pfn, size, prot, call);
}

/**
 * `vm_iomap_memory(vma, start, len)` (spec 04 §3): map physical `[start,
 * start+len)` over the whole VMA, offset by `vm_pgoff`; always a full-VMA
 * (tracked) remap with `vm_page_prot`.
 */
export function vmIomapMemory(k: MmContext, vma: Vma, start: number, lenIn: number): number {
  if (start + lenIn < start) return -EINVAL;
  const len = lenIn + (start % PAGE_SIZE);
  const pages = Math.ceil(len / PAGE_SIZE);
  let pfn = Math.floor(start / PAGE_SIZE);
  if (vma.pgoff > pages) return -EINVAL;
  pfn += vma.pgoff;
  const left = pages - vma.pgoff;
  if (vma.pages > left) return -EINVAL;
  return ioRemapPfnRange(k, vma, vma.start, pfn, vma.end - vma.start, vma.pageProt, 'vm_iomap_memory');
}
