/**
 * A design nobody in the thread wrote down: `set_pages_array_*` record the
 * PAT page flag of highmem pages too (they are System RAM with a `struct
 * page`; only the direct map is missing) and leave them out of the CPA they
 * have no linear mapping for (today a highmem page in the pages-mode CPA
 * oopses, spec 03 §5.3); TTM's pool then applies its caching to highmem
 * pages as to lowmem ones (no `PageHighMem` quirk) and gives it back with
 * `set_pages_array_wb` on free. The later `vmf_insert_pfn_prot` lookup
 * then finds WC for a WC BO's highmem pages: the request survives without
 * touching the insert.
 */
import type { CacheMode } from '../hw/cache-mode.js';
import type { SetPagesArrayHook, TtmCachingHook } from '../kernel/hooks.js';
import type { MmContext } from '../kernel/mm/mm-context.js';
import { cpaPagesArray, cpaPagesArrayWb } from '../kernel/mm/set-memory.js';
import { EINVAL } from '../kernel/errno.js';
import type { Policy } from './policy.js';
import { PAGE_SIZE } from '../hw/page.js';

/** The pages with a linear mapping: the only ones a CPA can change. */
function lowmem(k: MmContext, pages: ArrayLike<number>): number[] {
  const out: number[] = [];
  for (let i = 0; i < pages.length; i++) if (!k.pages.isHighMem(pages[i]!)) out.push(pages[i]!);
  return out;
}

/** `_set_pages_array`: every page's memtype recorded (highmem too), the CPA over lowmem pages only; on failure every record undone. */
function setPagesArray(k: MmContext, caller: string, pages: ArrayLike<number>, mode: CacheMode): number {
  let done = 0;
  for (; done < pages.length; done++) {
    const start = pages[done]! * PAGE_SIZE;
    if (k.memtype.memtypeReserve(start, start + PAGE_SIZE, mode, false).ret) break;
  }
  if (done === pages.length) {
    const lin = lowmem(k, pages);
    if (!lin.length || !cpaPagesArray(k, caller, lin, mode)) return 0;
  }
  for (let i = 0; i < done; i++) k.memtype.memtypeFree(pages[i]! * PAGE_SIZE, pages[i]! * PAGE_SIZE + PAGE_SIZE);
  return -EINVAL;
}

/** `set_pages_array_wb`: the cache bits cleared where a linear mapping exists, every page's record freed. */
function setPagesArrayWb(k: MmContext, pages: ArrayLike<number>): number {
  const lin = lowmem(k, pages);
  if (lin.length) {
    const ret = cpaPagesArrayWb(k, lin);
    if (ret) return ret;
  }
  for (let i = 0; i < pages.length; i++) k.memtype.memtypeFree(pages[i]! * PAGE_SIZE, pages[i]! * PAGE_SIZE + PAGE_SIZE);
  return 0;
}

const setPages: SetPagesArrayHook = { set: setPagesArray, wb: setPagesArrayWb };

/** TTM keeps changing caching, for highmem pages too. */
const ttmCaching: TtmCachingHook = { changesCaching: () => true, highmemConsistent: false };

export const setPagesHighmem: Policy = {
  name: 'set-pages-highmem',
  standsFor: 'not in the thread',
  title: 'set_pages_array_* record the PAT page flag of highmem pages (no CPA: no linear mapping); TTM applies its caching to highmem too',
  spec: '06 §3 (a design the thread did not write down)',
  hooks: { setPagesArray: setPages, ttmCaching },
};
