/**
 * `struct vm_area_struct` as the user-mapping code needs it (spec 04 §0,
 * §3, §8), plus the v6.16+ pfnmap tracking context that a whole-VMA
 * `remap_pfn_range()` attaches and that VMA copies share by reference count.
 */

import type { MmContext } from '../mm/mm-context.js';
import type { VmFault } from './fault.js';
import { UserPtes } from './user-ptes.js';
import type { MmStruct } from './mm.js';
import { PAGE_SIZE } from '../../hw/page.js';

/**
 * `struct pfnmap_track_ctx` (v6.16+, mm/memory.c): `{kref, pfn, size}`. Shared
 * by every VMA duplicated from the one `remap_pfn_range()` tracked, so splits,
 * mremap and fork never change the reservation; the last `vm_area_free()`
 * untracks the original full range (spec 04 §8).
 */
export interface PfnmapTrackCtx {
  kref: number;
  pfn: number;
  /** Bytes. */
  size: number;
  /** Model id, for display and tests (creation order). */
  readonly id: number;
}

/**
 * The file a driver VMA maps (`vma->vm_file->f_mapping`): lets
 * `unmap_mapping_range()` find every VMA of every process that maps it.
 */
export interface VmFile {
  readonly id: number;
  /** What it is, for display: `/dev/mem`, `resource0_wc`, `drm-bo`. */
  readonly name: string;
  /**
   * The driver frees or reuses the pages it maps here whatever their
   * refcount (TTM: non-compound blocks, a page pool), so a reference GUP or
   * KVM takes on them does not keep them alive (spec 06 §3 option 1's hazard).
   */
  readonly ownsPagesUnrefcounted?: boolean;
  /** `vm_ops->fault` of the driver's VMAs (drivers/vm-ops.ts runs it); none: SIGBUS. */
  fault?: (k: MmContext, mm: MmStruct, addr: number, write: boolean) => VmFault;
}

export class Vma {
  /** `vm_page_prot`: 4 KiB-layout bits. */
  pageProt: number;
  /** `vm_pgoff`: page offset in the file (the first pfn for a COW pfnmap). */
  pgoff: number;
  /** v6.16+: `vma->pfnmap_track_ctx`. */
  trackCtx: PfnmapTrackCtx | null = null;
  /** The VMA's page-table entries, slot i = page at `start + i * 4096`. */
  ptes: UserPtes;

  constructor(
    public mm: MmStruct,
    public start: number,
    public end: number,
    public flags: number,
    pageProt: number,
    pgoff: number,
    readonly file: VmFile | null,
    ptes?: UserPtes,
  ) {
    this.pageProt = pageProt;
    this.pgoff = pgoff;
    this.ptes = ptes ?? new UserPtes((end - start) / PAGE_SIZE);
  }

  /** `vma_pages(vma)`. */
  get pages(): number {
    return (this.end - this.start) / PAGE_SIZE;
  }

  /** Slot index of a user address inside the VMA. */
  slot(addr: number): number {
    return Math.floor((addr - this.start) / PAGE_SIZE);
  }

  contains(addr: number): boolean {
    return addr >= this.start && addr < this.end;
  }
}
