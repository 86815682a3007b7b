/**
 * `mremap()` and `mprotect()` on driver VMAs (spec 04 §8, §12).
 *
 * mremap move: the PTEs move as they are (cache bits unchanged); v6.16+ the
 * new VMA takes a ctx reference and the old one's free drops one (net
 * unchanged); ≤ v6.15 `VM_PAT` goes with the new VMA (`untrack_pfn_moved`
 * clears it on the old). Shrink = munmap of the tail. Grow is refused for
 * `VM_DONTEXPAND`/`VM_PFNMAP` VMAs (-EFAULT, errno unconfirmed in the spec).
 * mprotect keeps the cache bits of `vm_page_prot` and of every PTE.
 */

import { PAGE_CACHE_MASK } from '../../hw/pte.js';
import { EFAULT, EINVAL, ENOMEM } from '../errno.js';
import type { MmContext } from '../mm/mm-context.js';
import { EACCES } from './errnos.js';
import { VM_DONTEXPAND, VM_MAYWRITE, VM_PAT, VM_PFNMAP, VM_READ, VM_WRITE, _PAGE_ACCESSED, _PAGE_DIRTY, _PAGE_SPECIAL, vmGetPageProt } from './flags.js';
import { doMunmap, removeVmas, splitAround, vmAreaDup } from './lifecycle.js';
import type { MmStruct } from './mm.js';
import { emitInstalled } from './pte-write.js';
import { UserPtes } from './user-ptes.js';
import type { Vma } from './vma.js';
import { PAGE_SIZE } from '../../hw/page.js';

const align = (n: number): number => Math.ceil(n / PAGE_SIZE) * PAGE_SIZE;

export interface MremapResult {
  /** The new address, or a negative errno. */
  ret: number;
}

/** `move_vma()`: the whole VMA `v` moves to `newAddr` (its PTEs with it). */
function moveVma(k: MmContext, mm: MmStruct, v: Vma, newAddr: number): Vma {
  const n = v.pages;
  const moved = v.ptes.slice(0, n);
  moved.setStep(0, n, k.log.step);
  const nv = vmAreaDup(k, v, mm, moved, newAddr, newAddr + n * PAGE_SIZE);
  // untrack_pfn_moved(): the old VMA no longer owns the legacy reservation.
  if (k.flags.legacyTrackPfn) v.flags &= ~VM_PAT;
  v.ptes = new UserPtes(n);
  mm.insertVma(nv);
  removeVmas(k, mm, [v]);
  emitInstalled(k, 'mremap', nv, 0, n, null);
  return nv;
}

/**
 * `mremap(old, old_len, new_len, MREMAP_MAYMOVE [| MREMAP_FIXED, new])`.
 * Returns the new address or a negative errno.
 */
export function doMremap(k: MmContext, mm: MmStruct, oldAddr: number, oldLenIn: number, newLenIn: number, fixedAddr?: number): MremapResult {
  if (oldAddr % PAGE_SIZE) return { ret: -EINVAL };
  let oldLen = align(oldLenIn);
  const newLen = align(newLenIn);
  if (newLen === 0) return { ret: -EINVAL };
  const vma = mm.vmaLookup(oldAddr);
  if (!vma || oldAddr + oldLen > vma.end) return { ret: -EFAULT };
  if (fixedAddr !== undefined) {
    if (fixedAddr % PAGE_SIZE) return { ret: -EINVAL };
    if (fixedAddr < oldAddr + oldLen && fixedAddr + newLen > oldAddr) return { ret: -EINVAL };
    doMunmap(k, mm, fixedAddr, newLen);
    if (oldLen > newLen) {
      doMunmap(k, mm, oldAddr + newLen, oldLen - newLen);
      oldLen = newLen;
    }
    if (newLen > oldLen && vma.flags & (VM_DONTEXPAND | VM_PFNMAP)) return { ret: -EFAULT };
    const [piece] = splitAround(k, mm, oldAddr, oldAddr + oldLen);
    const nv = moveVma(k, mm, piece!, fixedAddr);
    if (newLen > oldLen) growVma(nv, newLen);
    return { ret: fixedAddr };
  }
  if (newLen <= oldLen) {
    if (newLen < oldLen) doMunmap(k, mm, oldAddr + newLen, oldLen - newLen);
    return { ret: oldAddr };
  }
  if (vma.flags & (VM_DONTEXPAND | VM_PFNMAP)) return { ret: -EFAULT };
  if (oldAddr + oldLen === vma.end && mm.isFree(vma.end, oldAddr + newLen)) {
    growVma(vma, vma.end - vma.start + (newLen - oldLen));
    return { ret: oldAddr };
  }
  const dest = mm.getUnmappedArea(newLen);
  if (dest < 0) return { ret: -ENOMEM };
  const [piece] = splitAround(k, mm, oldAddr, oldAddr + oldLen);
  const nv = moveVma(k, mm, piece!, dest);
  growVma(nv, newLen);
  return { ret: dest };
}

function growVma(v: Vma, len: number): void {
  v.ptes = v.ptes.resized(len / PAGE_SIZE);
  v.end = v.start + len;
}

/**
 * `mprotect(addr, len, prot)` (spec 04 §8): split at the ends, new
 * `VM_READ`/`VM_WRITE`, `vm_page_prot` rebuilt with its cache bits kept
 * (`pgprot_modify`), and every PTE rewritten with `pte_modify` (pfn, cache
 * bits, special, accessed, dirty kept). -EACCES for write without
 * `VM_MAYWRITE`, -ENOMEM for a hole in the range.
 */
export function doMprotect(k: MmContext, mm: MmStruct, addr: number, lenIn: number, read: boolean, write: boolean): number {
  if (addr % PAGE_SIZE) return -EINVAL;
  const len = align(lenIn);
  const end = addr + len;
  let cur = addr;
  for (const v of mm.overlapping(addr, end)) {
    if (v.start > cur) return -ENOMEM;
    if (write && !(v.flags & VM_MAYWRITE)) return -EACCES;
    cur = v.end;
  }
  if (cur < end) return -ENOMEM;
  const keep = PAGE_CACHE_MASK | _PAGE_SPECIAL | _PAGE_ACCESSED | _PAGE_DIRTY;
  for (const v of splitAround(k, mm, addr, end)) {
    const flags = (v.flags & ~(VM_READ | VM_WRITE)) | (read ? VM_READ : 0) | (write ? VM_WRITE : 0);
    const prot = (vmGetPageProt(flags) & ~PAGE_CACHE_MASK) | (v.pageProt & PAGE_CACHE_MASK);
    const p = v.ptes;
    p.mapBits(0, p.n, (b) => (b & keep) | (prot & ~keep));
    v.flags = flags;
    v.pageProt = prot;
  }
  return 0;
}
