/**
 * Writing and zapping user PTEs, with the refcount/mapcount/RSS movement the
 * core MM does for *normal* entries and none for *special* ones (spec 04 §2),
 * and the `pte`/`map` events every installing call emits.
 */

import type { CacheMode } from '../../hw/cache-mode.js';
import { PAGE_CACHE_MASK } from '../../hw/pte.js';
import { chainSnapshot } from '../chain.js';
import type { MapEvent, PteEvent } from '../events.js';
import { NotModelledError } from '../not-modelled.js';
import type { MmContext } from '../mm/mm-context.js';
import { _PAGE_SPECIAL } from './flags.js';
import { leafPages, levelName, type PteRun } from './user-ptes.js';
import type { Vma } from './vma.js';
import { PAGE_SIZE } from '../../hw/page.js';


/**
 * `vm_normal_page(vma, addr, pte)` (spec 04 §2, x86 with PTE special): a
 * special entry has no refcounted page; a non-special one does when its pfn
 * has a `struct page` (pfn ≤ highest memmap pfn). Returns the pfn or -1.
 */
export function vmNormalPage(k: MmContext, vma: Vma, slot: number): number {
  const e = vma.ptes.entry(slot);
  if (!e) return -1;
  if (e.bits & _PAGE_SPECIAL) return -1;
  return e.pfn < k.pages.nPfns ? e.pfn : -1;
}

/** `get_page` / `folio_get`: refcount +1. */
export function getPage(k: MmContext, pfn: number, n = 1): void {
  k.pages.refcount.set(pfn, k.pages.refcount.get(pfn) + n);
  k.counters.refcountOps++;
}

/** `put_page`: refcount −1. Dropping the last reference would free the page, which this model does not do behind the allocator's back. */
export function putPage(k: MmContext, pfn: number, n = 1): void {
  const r = k.pages.refcount.get(pfn) - n;
  if (r <= 0) throw new NotModelledError(`put_page dropping the last reference of pfn 0x${pfn.toString(16)} (freeing through put_page)`);
  k.pages.refcount.set(pfn, r);
  k.counters.refcountOps++;
}

/** `folio_add_file_rmap_pte` + `inc_mm_counter(MM_FILEPAGES)` + the folio reference `insert_page` takes. */
export function mapNormalPage(k: MmContext, vma: Vma, pfn: number): void {
  getPage(k, pfn);
  k.pages.mapcount.set(pfn, k.pages.mapcount.get(pfn) + 1);
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
  if (from < to && !p.isNone(from)) from = Math.max(0, p.leafStart(from, base));
  if (from < to && !p.isNone(to - 1)) to = Math.min(p.n, p.leafStart(to - 1, base) + leafPages(p.levelAt(to - 1)));
  let cleared = 0;
  // Special entries are just cleared, a run at a time; normal ones drop their page's counters one by one.
  for (const r of p.runsIn(from, to)) {
    if (!(r.bits & _PAGE_SPECIAL)) {
      const last = Math.min(r.to, r.from + Math.max(0, k.pages.nPfns - r.pfn));
      for (let i = r.from; i < last; i++) {
        const pfn = r.pfn + (i - r.from);
        k.pages.mapcount.set(pfn, k.pages.mapcount.get(pfn) - 1);
        k.counters.mapcountOps++;
        vma.mm.rssFile--;
        try {
          putPage(k, pfn);
        } catch (e) {
          // The entries before this one are gone, as they would be slot by slot.
          p.clearRange(r.from, i);
          throw e;
        }
      }
    }
    p.clearRange(r.from, r.to);
    cleared += r.to - r.from;
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
  const step = k.log.step;
  // One slot (a fault's page, a page-by-page insert): its entry, without building a run list.
  if (to === from + 1) {
    const r = vma.ptes.runOf(from);
    if (r && r.step === step) emitRun(k, call, vma, from, 1, r.pfn + (from - r.from), r.bits, r.level, requested, withMap);
    return;
  }
  // Runs of this step, joined where consecutive slots continue each other (as a slot-by-slot walk would).
  let cur: PteRun | null = null;
  for (const r of vma.ptes.runsIn(from, to)) {
    if (r.step !== step) continue;
    if (cur && cur.to === r.from && cur.level === r.level && cur.bits === r.bits && cur.pfn + (cur.to - cur.from) === r.pfn) cur.to = r.to;
    else {
      if (cur) emitRun(k, call, vma, cur.from, cur.to - cur.from, cur.pfn, cur.bits, cur.level, requested, withMap);
      cur = r;
    }
  }
  if (cur) emitRun(k, call, vma, cur.from, cur.to - cur.from, cur.pfn, cur.bits, cur.level, requested, withMap);
}

/**
 * The `pte` event of `n` slots from `slot`, and its `map` event when `withMap`.
 * Where the log's last events are the same call's events for the slots and
 * pfns just before (a fault's next page, the next page of a page-by-page
 * insert), they are extended instead (the map event's `each` keeps the
 * per-call size): a 10^5-page BO faulted page by page then logs one event
 * pair per run of consecutive pfns, not one per page.
 */
function emitRun(k: MmContext, call: string, vma: Vma, slot: number, n: number, pfn: number, bits: number, level: number, requested: CacheMode | null, withMap: boolean): void {
  const log = k.log;
  const step = log.step;
  const cache = bits & PAGE_CACHE_MASK;
  const vaddr = vma.start + slot * PAGE_SIZE;
  const lv = levelName(level);
  const installed = withMap ? k.tables.pgprot2cachemode(cache) : 0;
  const req = requested ?? installed;
  const ev = log.events;
  const run = log.userRun;
  if (run && ev[ev.length - 1] === (run.map ?? run.pte) && (run.map !== null) === withMap) {
    const { pte, map } = run;
    if (
      pte.step === step && pte.vaddr + pte.npages * PAGE_SIZE === vaddr && pte.pfn + pte.npages === pfn && pte.level === lv && pte.bits === cache &&
      (map === null || (map.call === call && (map.each ?? map.npages) === n && map.requested === req && map.installed === installed && !map.chain && !log.chain))
    ) {
      pte.npages += n;
      if (map) {
        map.each = n;
        map.npages += n;
      }
      return;
    }
  }
  const pte: PteEvent = { kind: 'pte', step, space: 'user', vaddr, pfn, npages: n, level: lv, bits: cache };
  ev.push(pte);
  if (!withMap) {
    log.userRun = { pte, map: null };
    return;
  }
  const chain = chainSnapshot(log);
  const map: MapEvent = { kind: 'map', step, call, space: 'user', pfn, npages: n, requested: req, installed };
  if (chain) map.chain = chain;
  ev.push(map);
  log.userRun = { pte, map };
}

/** The cache mode of a 4 KiB-layout prot. */
export function protMode(k: MmContext, prot: number): CacheMode {
  return k.tables.pgprot2cachemode(prot & PAGE_CACHE_MASK);
}
