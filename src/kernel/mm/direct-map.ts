/**
 * The kernel's direct map (linear map of RAM) and, on x86-64, the high
 * kernel map alias of the kernel image (spec 03 §1; arch/x86/mm/init.c,
 * init_64.c, init_32.c, pat/set_memory.c `split_page_count`).
 *
 * The leaves live in two `LinearMap`s. The `/proc/meminfo` counters are kept
 * as the kernel keeps them (`direct_pages_count[]`): set while mapping at boot
 * (including the boot code's double counting of re-visited large pages) and
 * adjusted by each split, rather than recounted from the leaves.
 */

import type { Arch } from '../machine.js';
import type { PfnRange } from './zones.js';
import { BLK_NONE, LinearMap } from './linear-map.js';
import { partitionPoint } from '../partition-point.js';

export type DirectMapLevel = '4k' | '2m' | '4m' | '1g';

export class DirectMap {
  /** `direct_pages_count[PG_LEVEL_4K]`, `[PG_LEVEL_2M]` (4 MiB leaves on non-PAE), `[PG_LEVEL_1G]`. */
  count4k = 0;
  countLarge = 0;
  count1g = 0;
  /** `pfn_mapped[]`: the ranges `init_memory_mapping()` recorded, merged, sorted. */
  mappedRanges: PfnRange[] = [];
  /** `max_pfn_mapped`: one past the highest pfn the boot mapping covered. */
  maxPfnMapped = 0;
  /** Boot messages (`Using GB pages for direct mapping`). */
  readonly messages: string[] = [];
  /** vm events `direct_map_level2_splits` / `direct_map_level3_splits` (only counted once booted). */
  level2Splits = 0;
  level3Splits = 0;
  /** `system_state == SYSTEM_RUNNING`: set by bootKernel once boot is over. */
  running = false;

  constructor(
    readonly arch: Arch,
    readonly map: LinearMap,
    /** x86-64 high kernel map, covering `[_text, roundup(_brk_end, 2 MiB))`; null on 32-bit. */
    readonly highMap: LinearMap | null,
    /** Whether 1 GiB leaves were allowed (`Using GB pages for direct mapping`). */
    readonly gbPages: boolean,
    /** `[_text, _brk_end)` physical, for `__cpa_pfn_in_highmap`. */
    readonly kernelImage: { start: number; end: number },
  ) {}

  get is64(): boolean {
    return this.arch === 'x86-64';
  }

  /**
   * `add_pfn_range_mapped()`: record and merge (overlapping or touching ranges join). The recorded
   * ranges stay sorted with gaps between them, so the new range goes in by binary search and can
   * only absorb the neighbours after it: a boot that maps n memory ranges costs n log n, not n^2
   * (the kernel's `add_range_with_merge` + `clean_sort_range` give the same list).
   */
  addPfnRangeMapped(start: number, end: number): void {
    const rs = this.mappedRanges;
    // p = number of recorded ranges starting at or before `start` (a stable sort puts the new one after them).
    const p = partitionPoint(rs, (r) => r.start <= start);
    let at: number;
    let last: PfnRange;
    if (p > 0 && start <= rs[p - 1]!.end) {
      at = p - 1;
      last = { start: rs[at]!.start, end: Math.max(rs[at]!.end, end) };
    } else {
      at = p;
      last = { start, end };
    }
    let q = p;
    while (q < rs.length && rs[q]!.start <= last.end) {
      last.end = Math.max(last.end, rs[q]!.end);
      q++;
    }
    rs.splice(at, q - at, last);
    this.maxPfnMapped = rs.length ? rs[rs.length - 1]!.end : 0;
  }

  /** `pfn_range_is_mapped(start, end)`: the whole run lies inside one recorded range. */
  pfnRangeIsMapped(start: number, end: number): boolean {
    for (const r of this.mappedRanges) if (start >= r.start && end <= r.end) return true;
    return false;
  }

  /** `highmap_start_pfn()` .. `highmap_end_pfn()` (inclusive), x86-64 only. */
  highmapStartPfn(): number {
    return Math.floor(this.kernelImage.start / 4096);
  }
  highmapEndPfn(): number {
    const end2m = Math.ceil(this.kernelImage.end / 0x200000) * 0x200000;
    return Math.floor((end2m - 1) / 4096);
  }

  /** `__cpa_pfn_in_highmap(pfn)`: false on 32-bit (no high map). */
  cpaPfnInHighmap(pfn: number): boolean {
    if (this.hmEnd < 0) {
      this.hmStart = this.is64 ? this.highmapStartPfn() : 1;
      this.hmEnd = this.is64 ? this.highmapEndPfn() : 0;
    }
    return pfn >= this.hmStart && pfn <= this.hmEnd;
  }
  private hmStart = 0;
  private hmEnd = -1;

  /** Stored virtual address of `pfn` in the direct map (`__va`). */
  va(pfn: number): number {
    return this.map.vaOf(pfn);
  }

  /** Whether the direct map has any leaf for `pfn`. */
  hasLeaf(pfn: number): boolean {
    return this.map.levelOf(pfn) !== BLK_NONE && this.map.present(pfn);
  }

  /**
   * `split_page_count(level)` (spec 03 §1.4): a split of a leaf of `level`
   * moves one page of that level to 512 (1024 on non-PAE 32-bit) of the level
   * below; the vm event is counted only once booted. A level already at 0 is
   * left alone, as the kernel does.
   */
  splitPageCount(level: '2m' | '4m' | '1g'): void {
    if (level === '1g') {
      if (this.count1g === 0) return;
      this.count1g--;
      if (this.running) this.level3Splits++;
      this.countLarge += 512;
      return;
    }
    if (this.countLarge === 0) return;
    this.countLarge--;
    if (this.running) this.level2Splits++;
    this.count4k += level === '4m' ? 1024 : 512;
  }

  /**
   * The DirectMap lines of `/proc/meminfo` (`arch_report_meminfo`; spec 03
   * §1.4): `DirectMap4k:`, then `DirectMap2M:` (x86-64, PAE) or `DirectMap4M:`
   * (non-PAE), then `DirectMap1G:` only when GB pages are in use; values in kB,
   * `%8lu`.
   */
  meminfoLines(): string[] {
    const line = (name: string, kb: number): string => `${name}:    ${kb.toString().padStart(8)} kB`;
    const out = [line('DirectMap4k', this.count4k * 4)];
    if (this.arch === 'x86-32') out.push(line('DirectMap4M', this.countLarge * 4096));
    else out.push(line('DirectMap2M', this.countLarge * 2048));
    if (this.gbPages) out.push(line('DirectMap1G', this.count1g * 1048576));
    return out;
  }
}
