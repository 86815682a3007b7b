/**
 * Building the direct map at boot (spec 03 §1.1–§1.2; arch/x86/mm/init.c
 * `init_mem_mapping`, `memory_map_top_down`, `init_range_memory_mapping`,
 * `split_mem_range`, `adjust_range_page_size_mask`; init_64.c
 * `phys_pud_init`/`phys_pmd_init`/`phys_pte_init`).
 *
 * The kernel maps the ISA range first, then RAM top-down in chunks whose size
 * grows (2 MiB, then x256 each time as much RAM is mapped). Each chunk is cut
 * into 4 KiB / large / 1 GiB pieces, pieces are promoted to bigger pages when
 * the enclosing aligned block is all memblock memory, and a promoted large
 * page maps its whole block, beyond the chunk. When a later chunk meets such
 * an existing large leaf it keeps it and counts it *again* in
 * `direct_pages_count[]` (the `pages++` on an existing entry before
 * `after_bootmem`): that is why a machine's DirectMap1G can exceed its RAM
 * (e.g. the amd64-4g capture). The model replays that walk exactly to get the
 * same counters; the leaves are the union of what was mapped.
 *
 * Assumption: `memblock_phys_alloc_range(PMD_SIZE, ...)` in
 * `memory_map_top_down` returns the highest 2 MiB-aligned block of memory
 * (memblock reservations there are not modelled).
 */

import type { Arch } from '../machine.js';
import { DirectMap } from './direct-map.js';
import {
  BLK_GB,
  BLK_LARGE,
  BLK_NONE,
  GB_PFNS,
  LinearMap,
  PAGE_KERNEL_BITS,
  PAGE_KERNEL_LARGE_BITS,
} from './linear-map.js';
import type { PfnRange } from './zones.js';
import { partitionPoint } from '../partition-point.js';

const ISA_END_PFN = 0x100000 / 4096;
const M2 = 1;
const G1 = 2;

export interface DirectMapParams {
  arch: Arch;
  /** memblock memory in bytes `[start, end)`, sorted, adjacent regions merged. */
  memory: readonly { start: number; end: number }[];
  /** x86-64: max_pfn; x86-32: max_low_pfn (end of lowmem). */
  mapEndPfn: number;
  /** CPU has PSE. */
  pse: boolean;
  /** CPU has GBPAGES and the kernel allows them (direct_gbpages, no `nogbpages`). */
  gbpages: boolean;
  debugPagealloc: boolean;
  /** Stored virtual address of pfn 0 in the direct map (PAGE_OFFSET). */
  pageOffset: number;
  /** x86-64: stored `__START_KERNEL_map` (phys_base 0). */
  highMapBase: number | null;
  kernelImage: { start: number; end: number };
}

interface MapRange {
  start: number;
  end: number;
  mask: number;
}

/** Build the boot-time direct map and its counters. */
export function buildDirectMap(p: DirectMapParams): DirectMap {
  const is32 = p.arch !== 'x86-64';
  const largePfns: 512 | 1024 = p.arch === 'x86-32' ? 1024 : 512;
  // probe_page_size_mask(): large pages need PSE and no debug_pagealloc;
  // GB pages additionally 64-bit, CPU support and direct_gbpages.
  let sizeMask = 0;
  if (p.pse && !p.debugPagealloc) sizeMask |= M2;
  const gb = !is32 && p.gbpages && (sizeMask & M2) !== 0;
  if (gb) sizeMask |= G1;
  const mapEnd = Math.max(p.mapEndPfn, ISA_END_PFN);
  const map = new LinearMap(p.pageOffset, 0, mapEnd, largePfns);
  const dm = new DirectMap(p.arch, map, null, gb, p.kernelImage);
  if (gb) dm.messages.push('Using GB pages for direct mapping');

  const memPfns: PfnRange[] = [];
  for (const r of p.memory) {
    const s = Math.ceil(r.start / 4096);
    const e = Math.floor(r.end / 4096);
    if (e > s) memPfns.push({ start: s, end: e });
  }
  /**
   * memblock_is_region_memory(start, size) in pfns: one memory region holds it all. The regions
   * are sorted and disjoint, so (as memblock_search does) only the last one starting at or below
   * `s` can hold it.
   */
  const isRegionMemory = (s: number, e: number): boolean => {
    const r = p.memory[partitionPoint(p.memory, (m) => m.start <= s * 4096) - 1];
    return r !== undefined && e * 4096 <= r.end;
  };

  const roundUp = (v: number, a: number): number => Math.ceil(v / a) * a;
  const roundDown = (v: number, a: number): number => Math.floor(v / a) * a;

  /** split_mem_range() + adjust_range_page_size_mask() + the merge of equal neighbours. */
  const splitMemRange = (start: number, limit: number): MapRange[] => {
    const mr: MapRange[] = [];
    const save = (s: number, e: number, mask: number): void => {
      if (s < e) mr.push({ start: s, end: e, mask });
    };
    let pfn = start;
    // Head up to the first large boundary; on 32-bit the first large page
    // from pfn 0 is always cut to 4 KiB (fixed MTRRs live there).
    let endPfn = is32 && pfn === 0 ? largePfns : roundUp(pfn, largePfns);
    if (endPfn > limit) endPfn = limit;
    if (start < endPfn) {
      save(start, endPfn, 0);
      pfn = endPfn;
    }
    let sp = roundUp(pfn, largePfns);
    if (is32) endPfn = roundDown(limit, largePfns);
    else {
      endPfn = roundUp(pfn, GB_PFNS);
      if (endPfn > roundDown(limit, largePfns)) endPfn = roundDown(limit, largePfns);
    }
    if (sp < endPfn) {
      save(sp, endPfn, sizeMask & M2);
      pfn = endPfn;
    }
    if (!is32) {
      sp = roundUp(pfn, GB_PFNS);
      endPfn = roundDown(limit, GB_PFNS);
      if (sp < endPfn) {
        save(sp, endPfn, sizeMask & (M2 | G1));
        pfn = endPfn;
      }
      sp = roundUp(pfn, largePfns);
      endPfn = roundDown(limit, largePfns);
      if (sp < endPfn) {
        save(sp, endPfn, sizeMask & M2);
        pfn = endPfn;
      }
    }
    save(pfn, limit, 0);
    // Promotion: a piece whose enclosing aligned block is all memory gets the bigger page.
    for (const r of mr) {
      if (sizeMask & M2 && !(r.mask & M2)) {
        const s = roundDown(r.start, largePfns);
        const e = roundUp(r.end, largePfns);
        if (!(is32 && e > p.mapEndPfn) && isRegionMemory(s, e)) r.mask |= M2;
      }
      if (sizeMask & G1 && !(r.mask & G1)) {
        const s = roundDown(r.start, GB_PFNS);
        const e = roundUp(r.end, GB_PFNS);
        if (isRegionMemory(s, e)) r.mask |= G1;
      }
    }
    for (let i = 0; mr.length > 1 && i < mr.length - 1; i++) {
      if (mr[i]!.end !== mr[i + 1]!.start || mr[i]!.mask !== mr[i + 1]!.mask) continue;
      mr[i + 1]!.start = mr[i]!.start;
      mr.splice(i, 1);
      i--;
    }
    return mr;
  };

  /** kernel_physical_mapping_init(): returns the end of the last leaf mapped. */
  const physicalMappingInit = (s: number, e: number, mask: number): number => {
    let last = e;
    for (let g = Math.floor(s / GB_PFNS); g * GB_PFNS < e; g++) {
      const gs = Math.max(s, g * GB_PFNS);
      const ge = Math.min(e, (g + 1) * GB_PFNS);
      if (!is32 && map.levelOf(gs) === BLK_GB) {
        // An existing GB leaf is kept and counted again (mask always allows it here).
        dm.count1g++;
        last = (g + 1) * GB_PFNS;
        continue;
      }
      if (mask & G1) {
        map.setGb(gs, PAGE_KERNEL_LARGE_BITS);
        dm.count1g++;
        last = (g + 1) * GB_PFNS;
        continue;
      }
      for (let b = Math.floor(gs / largePfns); b * largePfns < ge; b++) {
        const bs = Math.max(gs, b * largePfns);
        const be = Math.min(ge, (b + 1) * largePfns);
        const lvl = map.levelOf(bs);
        if (lvl === BLK_LARGE) {
          dm.countLarge++;
          last = (b + 1) * largePfns;
          continue;
        }
        if (lvl === BLK_NONE && mask & M2) {
          map.setLarge(bs, PAGE_KERNEL_LARGE_BITS);
          dm.countLarge++;
          last = (b + 1) * largePfns;
          continue;
        }
        if (lvl === BLK_NONE) map.makePteTable(bs);
        for (let q = bs; q < be; q++) {
          // An existing entry is reused and counted again; a new one is mapped.
          if (map.pteOf(q) === 0) map.setPte(q, PAGE_KERNEL_BITS);
          dm.count4k++;
        }
        last = be;
      }
    }
    return last;
  };

  /** init_memory_mapping(start, end) in pfns. */
  const initMemoryMapping = (s: number, e: number): void => {
    let ret = s;
    for (const r of splitMemRange(s, e)) ret = physicalMappingInit(r.start, r.end, r.mask);
    dm.addPfnRangeMapped(s, ret);
  };

  /** init_range_memory_mapping(): map the memory inside [s, e); returns pages mapped. */
  const initRangeMemoryMapping = (s: number, e: number): number => {
    let mapped = 0;
    for (const r of memPfns) {
      const a = Math.min(Math.max(r.start, s), e);
      const b = Math.min(Math.max(r.end, s), e);
      if (a >= b) continue;
      initMemoryMapping(a, b);
      mapped += b - a;
    }
    return mapped;
  };

  // The ISA range is always mapped, holes included.
  initMemoryMapping(0, ISA_END_PFN);
  // memory_map_top_down(ISA_END_ADDRESS, end)
  const mapStart = ISA_END_PFN;
  const mapEndP = p.mapEndPfn;
  let realEnd = mapStart;
  for (let i = memPfns.length - 1; i >= 0; i--) {
    const r = memPfns[i]!;
    const hi = Math.min(r.end, mapEndP);
    const blk = roundDown(hi, largePfns) - largePfns;
    if (blk >= Math.max(r.start, mapStart) && blk + largePfns <= hi) {
      realEnd = blk + largePfns;
      break;
    }
  }
  let stepSize = largePfns;
  let lastStart = realEnd;
  let mappedRam = 0;
  const stepShift = largePfns === 1024 ? 9 : 8; // PMD_SHIFT - PAGE_SHIFT - 1
  while (lastStart > mapStart) {
    let start: number;
    if (lastStart > stepSize) {
      start = roundDown(lastStart - 1, stepSize);
      if (start < mapStart) start = mapStart;
    } else start = mapStart;
    mappedRam += initRangeMemoryMapping(start, lastStart);
    lastStart = start;
    if (mappedRam >= stepSize) stepSize = stepSize * 2 ** stepShift;
  }
  if (realEnd < mapEndP) initRangeMemoryMapping(realEnd, mapEndP);

  if (p.highMapBase === null) return dm;
  // The high kernel map keeps 2 MiB leaves over [_text, roundup(_brk_end, 2 MiB)) (cleanup_highmap).
  const hs = Math.ceil(p.kernelImage.start / 0x200000) * 512;
  const he = Math.max(Math.ceil(p.kernelImage.end / 0x200000) * 512, hs);
  const hm = new LinearMap(p.highMapBase, hs, he, 512);
  for (let q = hs; q < he; q += 512) hm.setLarge(q, PAGE_KERNEL_LARGE_BITS);
  const out = new DirectMap(p.arch, map, hm, gb, p.kernelImage);
  out.count4k = dm.count4k;
  out.countLarge = dm.countLarge;
  out.count1g = dm.count1g;
  out.mappedRanges = dm.mappedRanges;
  out.maxPfnMapped = dm.maxPfnMapped;
  out.messages.push(...dm.messages);
  return out;
}
