/**
 * VMA lifetime: `vm_area_dup`, `vm_area_free`, `__split_vma`, `munmap` and
 * `exit_mmap` with exactly the reservation effects of each kernel version
 * (spec 04 §8, §12).
 *
 * v6.16+: the tracking ctx is shared by reference; a split or a dup takes a
 * reference, a free drops one, and the last drop untracks the *original*
 * range. ≤ v6.15: `VM_PAT` is copied with the flags, and every unmap of a
 * `VM_PFNMAP` VMA calls `untrack_pfn(vma, 0, 0)`, which frees the range its
 * current first PTE and size describe.
 */

import { EINVAL } from '../errno.js';
import type { MmContext } from '../mm/mm-context.js';
import { VM_PFNMAP } from './flags.js';
import { vmState, type MmStruct } from './mm.js';
import { untrack } from './pat-glue.js';
import { untrackPfnLegacy } from './pat-glue.js';
import { zapSlots } from './pte-write.js';
import { Vma } from './vma.js';
import type { UserPtes } from './user-ptes.js';
import { PAGE_SIZE } from '../../hw/page.js';


/**
 * `vm_area_dup(src)` (spec 04 §8): a copy with the same flags, prot, pgoff
 * and file; v6.16+ shares the tracking ctx (+1 reference). `ptes` are the
 * new VMA's entries (the caller decides what they hold).
 */
export function vmAreaDup(k: MmContext, src: Vma, mm: MmStruct, ptes: UserPtes, start = src.start, end = src.end, pgoff = src.pgoff): Vma {
  const v = new Vma(mm, start, end, src.flags, src.pageProt, pgoff, src.file, ptes);
  if (!k.flags.legacyTrackPfn && src.trackCtx) {
    src.trackCtx.kref++;
    v.trackCtx = src.trackCtx;
  }
  return v;
}

/** `vm_area_free(vma)` (spec 04 §8): v6.16+ drops the ctx reference; the last one untracks the original full range. */
export function vmAreaFree(k: MmContext, vma: Vma): void {
  const ctx = vma.trackCtx;
  vma.trackCtx = null;
  if (!ctx) return;
  if (--ctx.kref === 0) {
    vmState(k).liveCtx.delete(ctx);
    untrack(k, ctx.pfn, ctx.size);
  }
}

/**
 * `__split_vma(vma, addr)`: `vma` keeps `[start, addr)`, a dup takes
 * `[addr, end)` with `vm_pgoff` advanced. A special large leaf straddling
 * `addr` is cleared (`vma_adjust_trans_huge` splits a non-anonymous huge
 * PMD by zapping it). The reservation is never touched (+1 ctx ref only).
 */
export function splitVma(k: MmContext, vma: Vma, addr: number): Vma {
  const s = vma.slot(addr);
  const p = vma.ptes;
  if (!p.isNone(s) && p.leafStart(s, vma.start / PAGE_SIZE) < s) zapSlots(k, vma, s, s + 1);
  const upper = vmAreaDup(k, vma, vma.mm, p.slice(s, p.n), addr, vma.end, vma.pgoff + s);
  vma.ptes = p.slice(0, s);
  vma.end = addr;
  vma.mm.insertVma(upper);
  return upper;
}

/** Split the VMAs of `mm` so that none straddles `start` or `end`; returns those inside `[start, end)`. */
export function splitAround(k: MmContext, mm: MmStruct, start: number, end: number): Vma[] {
  for (const v of mm.overlapping(start, end)) {
    if (v.start < start) splitVma(k, v, start);
  }
  for (const v of mm.overlapping(start, end)) {
    if (v.end > end) splitVma(k, v, end);
  }
  return mm.overlapping(start, end);
}

/**
 * `unmap_single_vma(tlb, vma, start_addr, end_addr, details)` (mm/memory.c; spec 04 §8): the
 * range clamped to the VMA (nothing when they do not meet); ≤ v6.15 first `untrack_pfn(vma, 0, 0)`
 * for `VM_PFNMAP`, which frees the reservation of the whole VMA even when only part of it is
 * zapped (a zap that keeps the VMA too: `zap_page_range_single`); then the entries zapped.
 */
export function unmapSingleVma(k: MmContext, vma: Vma, startAddr = vma.start, endAddr = vma.end): void {
  const start = Math.max(vma.start, startAddr);
  if (start >= vma.end) return;
  const end = Math.min(vma.end, endAddr);
  if (end <= vma.start) return;
  if (k.flags.legacyTrackPfn && vma.flags & VM_PFNMAP) untrackPfnLegacy(k, vma, 0, 0);
  if (start !== end) zapSlots(k, vma, Math.floor((start - vma.start) / PAGE_SIZE), Math.ceil((end - vma.start) / PAGE_SIZE));
}

/**
 * `zap_page_range_single(vma, address, size, NULL)` (mm/memory.c; spec 04 §8): the PTEs of
 * `[address, address + size)` in one VMA go, the VMA stays, and the next access faults again.
 * Under `zap_vma_ptes`, `unmap_mapping_range` (TTM's BO move) and `madvise(MADV_DONTNEED)`.
 */
export function zapPageRangeSingle(k: MmContext, vma: Vma, address: number, size: number): void {
  unmapSingleVma(k, vma, address, address + size);
}

/** `zap_vma_ptes(vma, address, size)` (mm/memory.c): a driver's zap; nothing unless the range is inside a `VM_PFNMAP` VMA. */
export function zapVmaPtes(k: MmContext, vma: Vma, address: number, size: number): void {
  if (address < vma.start || address + size > vma.end || !(vma.flags & VM_PFNMAP)) return;
  zapPageRangeSingle(k, vma, address, size);
}

/** Unmap then free a set of VMAs of one mm, in the kernel's order (all zaps, then `remove_vma` each). */
export function removeVmas(k: MmContext, mm: MmStruct, vmas: readonly Vma[]): void {
  for (const v of vmas) unmapSingleVma(k, v);
  for (const v of vmas) {
    mm.removeVma(v);
    vmAreaFree(k, v);
  }
}

/**
 * `munmap(addr, len)` / `do_vmi_munmap` (spec 04 §8): split the VMAs at the
 * range ends, unmap and free the pieces inside. A partial munmap of a
 * tracked VMA frees nothing until the last piece goes (v6.16+).
 */
export function doMunmap(k: MmContext, mm: MmStruct, addr: number, lenIn: number): number {
  if (addr % PAGE_SIZE) return -EINVAL;
  const len = Math.ceil(lenIn / PAGE_SIZE) * PAGE_SIZE;
  if (len === 0) return -EINVAL;
  removeVmas(k, mm, splitAround(k, mm, addr, addr + len));
  return 0;
}

/** `exit_mmap(mm)` on process exit (spec 04 §8): every VMA unmapped, then freed; the process goes away. */
export function exitMmap(k: MmContext, mm: MmStruct): void {
  removeVmas(k, mm, [...mm.vmas]);
  vmState(k).procs.delete(mm.pid);
}
