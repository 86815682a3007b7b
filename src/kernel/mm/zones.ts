/**
 * Memory zones of the machine and their boot messages (mm/page_alloc.c
 * `free_area_init`, arch/x86/mm/init.c `zone_sizes_init`; spec 05 §1).
 *
 * x86-64: DMA below 16 MiB, DMA32 below 4 GiB, Normal above. x86-32: DMA
 * below 16 MiB, Normal up to max_low_pfn (end of the direct map), HighMem
 * above. Zone spans follow the kernel's arch_zone_lowest/highest_possible_pfn:
 * each zone starts where the previous one ended, the first at the lowest
 * memblock pfn, so a zone may be empty.
 */

import { fmt016Lx } from '../printk.js';
import type { ZoneLayout, ZoneName } from '../context.js';
import type { Arch } from '../machine.js';

export const MAX_DMA_PFN = (16 << 20) / 4096;
export const MAX_DMA32_PFN = 2 ** 32 / 4096;

/** A pfn range `[start, end)`. */
export interface PfnRange {
  start: number;
  end: number;
}

interface ZoneSpan {
  zone: ZoneName;
  start: number;
  end: number;
}

export class Zones implements ZoneLayout {
  /** Every zone the kernel configures, in order, possibly empty (what `Zone ranges:` prints). */
  readonly spans: readonly ZoneSpan[];
  readonly ranges: readonly ZoneSpan[];
  /** Zones of this architecture, lowest first (the allocator's fallback order is the reverse). */
  readonly zoneNames: readonly ZoneName[];

  constructor(
    readonly arch: Arch,
    /** memblock memory, sorted, pfn-aligned. */
    readonly memory: readonly PfnRange[],
    readonly maxPfn: number,
    /** x86-32: first highmem pfn; x86-64: ignored (Infinity). */
    maxLowPfnIn: number,
  ) {
    const is64 = arch === 'x86-64';
    this.maxLowPfn = is64 ? Number.POSITIVE_INFINITY : maxLowPfnIn;
    // max_zone_pfn[] of zone_sizes_init(); on x86-64 max_low_pfn == max_pfn after init_mem_mapping.
    const lowPfn = is64 ? maxPfn : Math.min(maxLowPfnIn, maxPfn);
    const limits: [ZoneName, number][] = is64
      ? [
          ['DMA', Math.min(MAX_DMA_PFN, lowPfn)],
          ['DMA32', Math.min(MAX_DMA32_PFN, lowPfn)],
          ['Normal', lowPfn],
        ]
      : [
          ['DMA', Math.min(MAX_DMA_PFN, lowPfn)],
          ['Normal', lowPfn],
          ['HighMem', maxPfn],
        ];
    let start = memory.length > 0 ? memory[0]!.start : 0;
    const spans: ZoneSpan[] = [];
    for (const [zone, limit] of limits) {
      const end = Math.max(limit, start);
      spans.push({ zone, start, end });
      start = end;
    }
    this.spans = spans;
    this.ranges = spans.filter((s) => s.end > s.start);
    this.zoneNames = limits.map(([z]) => z);
  }

  readonly maxLowPfn: number;

  zoneOf(pfn: number): ZoneName {
    for (const s of this.spans) if (pfn < s.end) return s.zone;
    return this.spans[this.spans.length - 1]!.zone;
  }

  isHighmem(pfn: number): boolean {
    return pfn >= this.maxLowPfn;
  }

  /** The span of one zone, or null if this architecture has no such zone or it is empty. */
  span(zone: ZoneName): PfnRange | null {
    const s = this.ranges.find((r) => r.zone === zone);
    return s ? { start: s.start, end: s.end } : null;
  }

  /**
   * The boot messages of `free_area_init()` from `Zone ranges:` to the
   * memblock node ranges, as in the captures' dmesg (zone name `%-8s`, ranges
   * `[mem %#018Lx-%#018Lx]`, inclusive). x86-64 kernels (CONFIG_ZONE_DEVICE)
   * also list an always-empty Device zone; the 32-bit kernels captured do not.
   */
  zoneRangesLines(): string[] {
    const mem = (s: number, e: number): string => `[mem ${fmt016Lx(s * 4096)}-${fmt016Lx(e * 4096 - 1)}]`;
    const out = ['Zone ranges:'];
    for (const s of this.spans) out.push(`  ${s.zone.padEnd(8)} ${s.end > s.start ? mem(s.start, s.end) : 'empty'}`);
    if (this.arch === 'x86-64') out.push(`  ${'Device'.padEnd(8)} empty`);
    out.push('Movable zone start for each node', 'Early memory node ranges');
    for (const r of this.memory) out.push(`  node   0: ${mem(r.start, r.end)}`);
    if (this.memory.length > 0) out.push(`Initmem setup node 0 ${mem(this.memory[0]!.start, this.memory[this.memory.length - 1]!.end)}`);
    return out;
  }
}
