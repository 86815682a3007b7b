/**
 * Writing and zapping user PTEs, with the refcount/mapcount/RSS movement the
 * core MM does for *normal* entries and none for *special* ones (spec 04 §2),
 * and the `pte`/`map` events every installing call emits.
 */

import type { CacheMode } from '../../hw/cache-mode.js';
import { PAGE_CACHE_MASK } from '../../hw/pte.js';
import { chainSnapshot } from '../chain.js';
import { NotModelledError } from '../not-modelled.js';
import type { MmContext } from '../mm/mm-context.js';
import { _PAGE_SPECIAL } from './flags.js';
import { leafPages, levelName, LV_NONE } from './user-ptes.js';
import type { Vma } from './vma.js';
import { PAGE_SIZE } from '../../hw/page.js';


/**
 * `vm_normal_page(vma, addr, pte)` (spec 04 §2, x86 with PTE special): a
 * special entry has no refcounted page; a non-special one does when its pfn
 * has a `struct page` (pfn ≤ highest memmap pfn). Returns the pfn or -1.
 */
export function vmNormalPage(k: MmContext, vma: Vma, slot: number): number {
  const p = vma.ptes;
  if (p.level[slot] === LV_NONE) return -1;
  if (p.bits[slot]! & _PAGE_SPECIAL) return -1;
  const pfn = p.pfn[slot]!;
  return pfn < k.pages.nPfns ? pfn : -1;
}

/** `get_page` / `folio_get`: refcount +1. */
export function getPage(k: MmContext, pfn: number, n = 1): void {
  k.pages.refcount[pfn] = k.pages.refcount[pfn]! + n;
  k.counters.refcountOps++;
}

/** `put_page`: refcount −1. Dropping the last reference would free the page, which this model does not do behind the allocator's back. */
export function putPage(k: MmContext, pfn: number, n = 1): void {
  const r = k.pages.refcount[pfn]! - n;
  if (r <= 0) throw new NotModelledError(`put_page dropping the last reference of pfn 0x${pfn.toString(16)} (freeing through put_page)`);
  k.pages.refcount[pfn] = r;
  k.counters.refcountOps++;
}

/** `folio_add_file_rmap_pte` + `inc_mm_counter(MM_FILEPAGES)` + the folio reference `insert_page` takes. */
export function mapNormalPage(k: MmContext, vma: Vma, pfn: number): void {
  getPage(k, pfn);
  k.pages.mapcount[pfn] = k.pages.mapcount[pfn]! + 1;
  k.counters.mapcountOps++;
  vma.mm.rssFile++;
}

/**
 * `zap_pte_range()` over slots `[from, to)`, widened to whole large leaves
 * (a special huge PMD that a range only partly covers is split by clearing
 * it). Normal entries drop their mapcount, RSS and reference; special ones
 * are just cleared. Returns the number of entries cleared.
 */
export function zapSlots(k: MmContext, vma: Vma, fromIn: number, toIn: number): number {
  const p = vma.ptes;
  const base = vma.start / PAGE_SIZE;
  let from = Math.max(0, fromIn);
  let to = Math.min(p.n, toIn);
  if (from < to && p.level[from] !== LV_NONE) from = Math.max(0, p.leafStart(from, base));
  if (from < to && p.level[to - 1] !== LV_NONE) to = Math.min(p.n, p.leafStart(to - 1, base) + leafPages(p.level[to - 1]!));
  let cleared = 0;
  for (let i = from; i < to; i++) {
    if (p.level[i] === LV_NONE) continue;
    const pfn = vmNormalPage(k, vma, i);
    if (pfn >= 0) {
      k.pages.mapcount[pfn] = k.pages.mapcount[pfn]! - 1;
      k.counters.mapcountOps++;
      vma.mm.rssFile--;
      putPage(k, pfn);
    }
    p.clear(i);
    cleared++;
  }
  return cleared;
}

/**
 * Emit `pte` events (runs of consecutive pfns with equal bits and level) and
 * one `map` event per such run for slots `[from, to)` written at this step.
 * `requested` is the caller's (or the API's) mode; `null` = same as installed
 * (copies: fork, mremap).
 */
export function emitInstalled(k: MmContext, call: string, vma: Vma, from: number, to: number, requested: CacheMode | null, withMap = true): void {
  const p = vma.ptes;
  const step = k.log.step;
  let i = from;
  while (i < to) {
    if (p.level[i] === LV_NONE || p.step[i] !== step) {
      i++;
      continue;
    }
    const s = i;
    const lv = p.level[i]!;
    const bits = p.bits[i]!;
    while (i + 1 < to && p.level[i + 1] === lv && p.bits[i + 1] === bits && p.step[i + 1] === step && p.pfn[i + 1] === p.pfn[i]! + 1) i++;
    i++;
    const n = i - s;
    const cache = bits & PAGE_CACHE_MASK;
    k.log.events.push({ kind: 'pte', step, space: 'user', vaddr: vma.start + s * PAGE_SIZE, pfn: p.pfn[s]!, npages: n, level: levelName(lv), bits: cache });
    if (withMap) {
      const installed = k.tables.pgprot2cachemode(cache);
      const chain = chainSnapshot(k.log);
      k.log.events.push({ kind: 'map', step, call, space: 'user', pfn: p.pfn[s]!, npages: n, requested: requested ?? installed, installed, ...(chain ? { chain } : {}) });
    }
  }
}

/** The cache mode of a 4 KiB-layout prot. */
export function protMode(k: MmContext, prot: number): CacheMode {
  return k.tables.pgprot2cachemode(prot & PAGE_CACHE_MASK);
}
