/**
 * The boot log's memory-size lines of `initmem_init()` (LOWMEM/HIGHMEM sizes,
 * arch/x86/mm/numa_32.c, x86-32), from the machine's e820 map (spec 03 §1.1,
 * §5). The "Zone ranges" block is the booted kernel's (kernel/mm/zones.ts).
 * The captures' dmesg lines are the reference (test/io/machine).
 */

import type { MachineSpec } from '../machine.js';
import { endOfRamPfn } from './lowmem.js';

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
