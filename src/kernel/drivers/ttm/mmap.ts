/**
 * User mappings of BOs (drivers/gpu/drm/ttm/ttm_bo_vm.c `ttm_bo_mmap_obj`,
 * `ttm_bo_vm_open`/`_close`, ttm_bo.c `ttm_bo_unmap_virtual`; spec 05 §4.1,
 * §4.3 "Other paths").
 *
 * A BO is found from a VMA the way DRM finds it: the VMA maps the device file
 * at the BO's fake offset (`vm_pgoff` inside the BO's `drm_vma_node`), so
 * splits, mremap and fork copies still reach it. The vm layer's Vma has no
 * `vm_ops`, so `vm_ops->open/close` are not called back: the references VMAs
 * hold on a BO are counted from the live VMAs instead (`ttmBoVmaRefs`), and a
 * BO whose last holder was a VMA is released at the next TTM call after the
 * munmap/exit (`ttmReap`) rather than inside it.
 */

import { EINVAL } from '../../errno.js';
import { warnOnce } from '../../mm/warn.js';
import type { MmContext } from '../../mm/mm-context.js';
import { isCowMapping, VM_DONTDUMP, VM_DONTEXPAND, VM_IO, VM_MIXEDMAP, VM_PFNMAP } from '../../vm/flags.js';
import { currentMm, vmState } from '../../vm/mm.js';
import { doMmap } from '../../vm/mmap.js';
import { zapSlots } from '../../vm/pte-write.js';
import type { Vma } from '../../vm/vma.js';
import { ttmTtUnpopulate, type TtmBo } from './bo.js';
import { ttmGlobal, ttmGlobalOf } from './ttm-global.js';
import { PAGE_SIZE } from '../../../hw/page.js';


/**
 * `ttm_bo_mmap_obj(vma, bo)` (spec 05 §4.1): a COW mapping (private +
 * may-write) → -EINVAL; otherwise the VMA takes a BO reference, gets TTM's
 * vm_ops and `vm_private_data = bo`, and `VM_PFNMAP | VM_IO | VM_DONTEXPAND
 * | VM_DONTDUMP`. No PTE is written, nothing is reserved: `vm_page_prot`
 * stays the ordinary WB protection; caching is decided per fault.
 */
export function ttmBoMmapObj(vma: Vma, pageInserts = false): number {
  if (isCowMapping(vma.flags)) return -EINVAL;
  // Option 1 inserts refcounted pages, which needs a MIXEDMAP VMA (a PFNMAP
  // VMA BUGs in vm_insert_page); every other design keeps TTM's PFNMAP.
  vma.flags |= (pageInserts ? VM_MIXEDMAP : VM_PFNMAP | VM_IO) | VM_DONTEXPAND | VM_DONTDUMP;
  return 0;
}

export interface BoMmapOpts {
  /** MAP_SHARED (default true). */
  shared?: boolean;
  write?: boolean;
  /** First BO page mapped (default 0) and page count (default: the rest of the BO). */
  offsetPages?: number;
  pages?: number;
}

/**
 * `mmap(fd, offset = drm_vma_node_offset_addr(bo))` of the DRM device file by
 * the current process: `do_mmap` → the driver's `->mmap` → `ttm_bo_mmap_obj`.
 */
export function ttmBoMmap(k: MmContext, bo: TtmBo, o: BoMmapOpts = {}): { ret: number; vma: Vma | null } {
  const off = o.offsetPages ?? 0;
  const n = o.pages ?? bo.numPages - off;
  if (off < 0 || n <= 0 || off + n > bo.numPages) return { ret: -EINVAL, vma: null };
  const req: Parameters<typeof doMmap>[2] = { len: n * PAGE_SIZE, pgoff: bo.vmaNodeStart + off, file: bo.dev.file, driverMmap: (vma: Vma) => ttmBoMmapObj(vma, k.hooks.ttmFaultInsert?.mixedmap === true && !bo.resource.isIomem) };
  if (o.shared !== undefined) req.shared = o.shared;
  if (o.write !== undefined) req.write = o.write;
  return doMmap(k, currentMm(k), req);
}

/** The BO a VMA maps (`vma->vm_private_data`), by device file and fake offset; null for other VMAs. */
export function ttmBoOfVma(k: MmContext, vma: Vma): TtmBo | null {
  const g = ttmGlobalOf(k);
  if (!g || !vma.file) return null;
  for (const bo of g.bos.values()) if (bo.dev.file === vma.file && vma.pgoff >= bo.vmaNodeStart && vma.pgoff < bo.vmaNodeStart + bo.numPages) return bo;
  return null;
}

/** Live VMAs (every process, pid order) that map `bo`: the references `vm_ops->open` took. */
export function ttmBoVmas(k: MmContext, bo: TtmBo): Vma[] {
  const out: Vma[] = [];
  for (const mm of vmState(k).sorted())
    for (const v of mm.vmas) if (v.file === bo.dev.file && v.pgoff < bo.vmaNodeStart + bo.numPages && v.pgoff + v.pages > bo.vmaNodeStart) out.push(v);
  return out;
}

/** References held on `bo` by its VMAs. */
export function ttmBoVmaRefs(k: MmContext, bo: TtmBo): number {
  return ttmBoVmas(k, bo).length;
}

/** Release every BO whose creator reference is gone and whose last VMA has been unmapped since (deferred `ttm_bo_vm_close`). */
export function ttmReap(k: MmContext): void {
  const g = ttmGlobalOf(k);
  if (!g) return;
  for (const bo of [...g.bos.values()]) if (bo.refs <= 0 && ttmBoVmaRefs(k, bo) === 0) releaseBo(k, bo);
}

function releaseBo(k: MmContext, bo: TtmBo): void {
  ttmTtUnpopulate(k, bo);
  bo.dead = true;
  ttmGlobal(k).bos.delete(bo.id);
}

/** `ttm_bo_put(bo)`: drop the creator's reference; released now if no VMA maps it, else when the last VMA goes. */
export function ttmBoPut(k: MmContext, bo: TtmBo): void {
  // A put with no reference left: kref_put's refcount_dec_and_test() on a zero
  // count saturates and WARNs once (lib/refcount.c refcount_warn_saturate,
  // REFCOUNT_SUB_UAF); nothing is freed again.
  if (bo.dead || bo.refs <= 0) {
    warnOnce(k, 'refcount_warn_saturate', 'refcount_t: underflow; use-after-free.');
    k.log.refuse('ttm_bo_put', `BO ${bo.id}: kref is already 0`, 'refcount saturated, nothing freed');
    return;
  }
  bo.refs--;
  ttmReap(k);
}

/**
 * `ttm_bo_unmap_virtual(bo)` → `drm_vma_node_unmap` → `unmap_mapping_range(
 * dev_mapping, offset, size, 1)`: zap the BO's PTEs in every VMA of every
 * process mapping it (spec 04 §8); the VMAs stay, the next touch faults
 * again. MMU notifiers fire for the zapped ranges (KVM drops what it maps
 * there; kernel/drivers/kvm checks this lazily). Returns entries zapped.
 */
export function ttmBoUnmapVirtual(k: MmContext, bo: TtmBo): number {
  let n = 0;
  for (const v of ttmBoVmas(k, bo)) {
    const from = Math.max(0, bo.vmaNodeStart - v.pgoff);
    const to = Math.min(v.pages, bo.vmaNodeStart + bo.numPages - v.pgoff);
    n += zapSlots(k, v, from, to);
  }
  return n;
}
