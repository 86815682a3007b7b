/**
 * `get_user_pages` / `pin_user_pages`, `put_page` / `unpin_user_page`, and
 * KVM's `follow_pfnmap` (mm/gup.c, mm/memory.c; spec 04 §2, 05 §5).
 *
 * GUP refuses `VM_IO|VM_PFNMAP` VMAs outright and special PTEs elsewhere
 * (`vm_normal_page` finds no page → -EFAULT); a normal page gets +1
 * reference (FOLL_GET) or +`GUP_PIN_COUNTING_BIAS` (FOLL_PIN, small folio).
 * It returns the number of pages taken, or the error if none was.
 */

import { EFAULT, EINVAL } from '../errno.js';
import type { MmContext } from '../mm/mm-context.js';
import { VM_IO, VM_PFNMAP, VM_WRITE, _PAGE_RW, _PAGE_SPECIAL } from './flags.js';
import type { MmStruct } from './mm.js';
import { getPage, putPage, vmNormalPage } from './pte-write.js';
import { holdOf, pruneHold } from '../drivers/page-refs.js';
import { PAGE_SIZE } from '../../hw/page.js';

/** `GUP_PIN_COUNTING_BIAS`: what a pin adds to a small folio's refcount. */
export const GUP_PIN_COUNTING_BIAS = 1024;

export interface GupResult {
  /** Pages taken (> 0) or a negative errno. */
  ret: number;
  pfns: number[];
}

/**
 * `__get_user_pages(mm, start, nr, gup_flags)` for FOLL_GET or FOLL_PIN.
 * Faulting a missing PTE in is not modelled (driver VMAs here have no
 * `->fault`): an empty slot ends the walk with -EFAULT.
 */
export function getUserPages(k: MmContext, mm: MmStruct, start: number, nrPages: number, write: boolean, pin: boolean): GupResult {
  const pfns: number[] = [];
  const stop = (err: number): GupResult => ({ ret: pfns.length ? pfns.length : err, pfns });
  for (let i = 0; i < nrPages; i++) {
    const addr = start + i * PAGE_SIZE;
    const vma = mm.vmaLookup(addr);
    if (!vma) return stop(-EFAULT);
    // check_vma_flags(): no GUP on VM_IO|VM_PFNMAP; a write needs VM_WRITE.
    if (vma.flags & (VM_IO | VM_PFNMAP)) return stop(-EFAULT);
    if (write && !(vma.flags & VM_WRITE)) return stop(-EFAULT);
    const s = vma.slot(addr);
    if (vma.ptes.isNone(s)) return stop(-EFAULT);
    const pfn = vmNormalPage(k, vma, s);
    if (pfn < 0) return stop(-EFAULT);
    getPage(k, pfn, pin ? GUP_PIN_COUNTING_BIAS : 1);
    const holder = pin ? 'gup-pin' : 'gup';
    holdOf(k, holder, pfn).refs++;
    k.log.events.push({ kind: 'ref-taken', step: k.log.step, pfn, holder, file: vma.file?.name ?? null, driverOwned: vma.file?.ownsPagesUnrefcounted === true });
    pfns.push(pfn);
  }
  return { ret: pfns.length, pfns };
}

/** `put_page(page)` of a GUP reference. */
export function gupPutPage(k: MmContext, pfn: number): void {
  putPage(k, pfn, 1);
  dropHold(k, 'gup', pfn);
}

/** `unpin_user_page(page)`. */
export function unpinUserPage(k: MmContext, pfn: number): void {
  putPage(k, pfn, GUP_PIN_COUNTING_BIAS);
  dropHold(k, 'gup-pin', pfn);
}

/** The holder registry (drivers/page-refs.ts) keeps GUP's references so a driver freeing the page sees them. */
function dropHold(k: MmContext, holder: string, pfn: number): void {
  const h = holdOf(k, holder, pfn);
  if (h.refs > 0) h.refs--;
  pruneHold(k, holder, pfn);
}

export interface FollowPfnmap {
  ret: number;
  pfn: number;
  /** 4 KiB-layout PTE bits (cache bits included). */
  bits: number;
  writable: boolean;
  special: boolean;
}

/**
 * `follow_pfnmap_start(args)` (KVM's `hva_to_pfn_remapped`, spec 05 §5):
 * only for `VM_IO|VM_PFNMAP` VMAs; reads the PTE without taking any
 * reference. No entry → -EINVAL (KVM would fault it in and retry).
 */
export function followPfnmap(mm: MmStruct, addr: number): FollowPfnmap {
  const none = { pfn: -1, bits: 0, writable: false, special: false };
  const vma = mm.vmaLookup(addr);
  if (!vma || !(vma.flags & (VM_IO | VM_PFNMAP))) return { ret: -EINVAL, ...none };
  const s = vma.slot(addr);
  const e = vma.ptes.entry(s);
  if (!e) return { ret: -EINVAL, ...none };
  const bits = e.bits;
  return { ret: 0, pfn: e.pfn, bits, writable: (bits & _PAGE_RW) !== 0, special: (bits & _PAGE_SPECIAL) !== 0 };
}
