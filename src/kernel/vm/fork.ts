/**
 * `fork()`: `dup_mmap` → `vm_area_dup` + `copy_page_range` per VMA (spec
 * 04 §8, §12).
 *
 * `VM_PFNMAP`/`VM_MIXEDMAP` VMAs (`VM_COPY_ON_FORK`) always get their page
 * tables copied: special PTEs verbatim (same pfn, same cache bits; write-
 * protected on both sides if COW and writable; clean if shared; old), normal
 * pages with +1 reference/mapcount/RSS. Other VMAs start empty in the child
 * (they would fault again; anonymous memory is not modelled). `VM_DONTCOPY`
 * VMAs are skipped. v6.16+: the child shares the tracking ctx (+1). ≤ v6.15:
 * `track_pfn_copy` makes a second, strict reservation from the VMA's first
 * PTE; its failure fails the fork (the child VMA then carries no `VM_PAT`, as
 * in v6.14's `track_pfn_copy`, which sets it only on success).
 */

import { ImpossibleRequestError } from '../impossible.js';
import type { MmContext } from '../mm/mm-context.js';
import { isCowMapping, VM_COPY_ON_FORK, VM_DONTCOPY, VM_PAT, VM_PFNMAP, VM_SHARED, _PAGE_ACCESSED, _PAGE_DIRTY, _PAGE_RW, _PAGE_SPECIAL } from './flags.js';
import { exitMmap, vmAreaDup } from './lifecycle.js';
import { MmStruct, vmState } from './mm.js';
import { getPatInfo, reserveStrict } from './pat-glue.js';
import { emitInstalled, mapNormalPage } from './pte-write.js';
import { UserPtes } from './user-ptes.js';
import type { Vma } from './vma.js';

export interface ForkResult {
  ret: number;
  child: MmStruct | null;
}

/** `copy_pte_range()` for one VMA pair (spec 04 §8 fork row). */
function copyPageRange(k: MmContext, src: Vma, dst: Vma): void {
  const sp = src.ptes;
  const dp = dst.ptes;
  const cow = isCowMapping(src.flags);
  const step = k.log.step;
  // A run of the parent is copied as a run; a normal page's counters move page by page.
  for (const r of sp.runsIn()) {
    let bits = r.bits;
    if (!(bits & _PAGE_SPECIAL)) {
      const last = Math.min(r.to, r.from + Math.max(0, k.pages.nPfns - r.pfn));
      for (let i = r.from; i < last; i++) mapNormalPage(k, dst, r.pfn + (i - r.from));
    }
    if (cow && bits & _PAGE_RW) {
      bits &= ~_PAGE_RW;
      const b = bits;
      sp.mapBits(r.from, r.to, () => b);
    }
    if (src.flags & VM_SHARED) bits &= ~_PAGE_DIRTY;
    bits &= ~_PAGE_ACCESSED;
    dp.setRange(r.from, r.to - r.from, r.pfn, bits, r.level, step);
  }
  emitInstalled(k, 'fork', dst, 0, dp.n, null);
}

/** `copy_process()`'s mm part: a child `pid` (default: the next free pid) with the parent's comm. */
export function doFork(k: MmContext, parent: MmStruct, childPid?: number): ForkResult {
  const st = vmState(k);
  const pid = childPid ?? st.nextPid();
  // The child's pid is the scenario's choice (the kernel picks a free one): naming a live pid is bad input.
  if (st.procs.has(pid)) throw new ImpossibleRequestError(`pid ${pid} already exists: child_pid must name a free pid`);
  const child = new MmStruct(pid, parent.comm, parent.mmapBase);
  st.procs.set(pid, child);
  for (const src of parent.vmas) {
    if (src.flags & VM_DONTCOPY) continue;
    const dst = vmAreaDup(k, src, child, new UserPtes(src.pages));
    child.insertVma(dst);
    if (k.flags.legacyTrackPfn && src.flags & VM_PFNMAP && src.flags & VM_PAT) {
      const info = getPatInfo(k, src, true);
      const r = info.ret ? info : reserveStrict(k, info.paddr, src.end - src.start, info.prot);
      if (r.ret) {
        dst.flags &= ~VM_PAT;
        exitMmap(k, child);
        return { ret: r.ret, child: null };
      }
    }
    if (src.flags & VM_COPY_ON_FORK) copyPageRange(k, src, dst);
  }
  return { ret: 0, child };
}
