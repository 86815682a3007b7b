/**
 * The boot log's memory-size lines: `initmem_init()`'s LOWMEM/HIGHMEM sizes
 * (arch/x86/mm/numa_32.c, x86-32) and `free_area_init()`'s "Zone ranges"
 * (mm/mm_init.c), from the machine's e820 map (spec 03 §1.1, §5; spec/07 (b) 9).
 * The captures' dmesg lines are the reference (test/io/machine).
 */

import type { MachineSpec } from '../machine.js';
import { fmt016Lx } from '../printk.js';
import { endOfRamPfn, PAGE_SIZE } from './lowmem.js';

/** MAX_DMA_PFN: 16 MiB. */
const MAX_DMA_PFN = 0x1000;
/** MAX_DMA32_PFN: 4 GiB. */
const MAX_DMA32_PFN = 0x100000;

/**
 * The lowest pfn of memblock memory: e820 RAM with page 0 reserved
 * (`trim_bios_range()` turns [0, 4K) into reserved on every boot) and
 * partial pages dropped.
 */
export function minRamPfn(m: MachineSpec): number {
  let min = Infinity;
  for (const e of m.e820) {
    if (e.type !== 'usable') continue;
    const s = Math.ceil(Math.max(e.start, PAGE_SIZE) / PAGE_SIZE);
    const t = Math.floor(e.end / PAGE_SIZE);
    if (t > s) min = Math.min(min, s);
  }
  return min === Infinity ? 0 : min;
}

/** `max_pfn` after boot (`e820__end_of_ram_pfn()`, no `mem=`). */
export function maxPfn(m: MachineSpec): number {
  return endOfRamPfn(m.e820, m.arch);
}

/** `max_low_pfn`: the machine's value on x86-32; max_pfn on x86-64 (as `zone_sizes_init` sees it). */
export function maxLowPfn(m: MachineSpec): number {
  return m.arch === 'x86-64' ? maxPfn(m) : (m.maxLowPfn ?? maxPfn(m));
}

/** `pages_to_mb()`. */
function pagesToMb(pages: number): number {
  return Math.floor(pages / 256);
}

/** x86-32 `initmem_init()`: `%ldMB HIGHMEM available.` (CONFIG_HIGHMEM) and `%ldMB LOWMEM available.` */
export function lowmemLines(m: MachineSpec): string[] {
  if (m.arch === 'x86-64') return [];
  const low = maxLowPfn(m);
  const out: string[] = [];
  if (m.config.highmem) {
    const max = maxPfn(m);
    out.push(`${pagesToMb(max > low ? max - low : 0)}MB HIGHMEM available.`);
  }
  out.push(`${pagesToMb(low)}MB LOWMEM available.`);
  return out;
}

/**
 * `free_area_init()`'s "Zone ranges" block, with the zone limits of x86's
 * `zone_sizes_init()`: DMA below 16 MiB, DMA32 below 4 GiB (x86-64), Normal
 * up to max_low_pfn, HighMem up to max_pfn (x86-32 with CONFIG_HIGHMEM).
 * Each zone starts where the previous one ended; equal bounds print `empty`.
 */
export function zoneRangeLines(m: MachineSpec): string[] {
  const low = maxLowPfn(m);
  const zones: [string, number][] = [['DMA', Math.min(MAX_DMA_PFN, low)]];
  if (m.arch === 'x86-64') zones.push(['DMA32', Math.min(MAX_DMA32_PFN, low)]);
  zones.push(['Normal', low]);
  if (m.arch !== 'x86-64' && m.config.highmem) zones.push(['HighMem', maxPfn(m)]);
  const out = ['Zone ranges:'];
  let start = minRamPfn(m);
  for (const [name, limit] of zones) {
    const end = Math.max(limit, start);
    const head = `  ${name.padEnd(8, ' ')} `;
    out.push(start === end ? head + 'empty' : `${head}[mem ${fmt016Lx(start * PAGE_SIZE)}-${fmt016Lx(end * PAGE_SIZE - 1)}]`);
    start = end;
  }
  return out;
}
