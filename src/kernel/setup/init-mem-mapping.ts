/**
 * `init_mem_mapping()` (arch/x86/mm/init.c, spec 03 §2): the direct map of
 * memblock memory up to max_pfn (x86-64) or max_low_pfn (x86-32), with the
 * largest leaves the CPU and the boot options allow, and x86-64's high
 * kernel map of the image.
 */

import type { MachineSpec } from '../machine.js';
import type { DirectMap } from '../mm/direct-map.js';
import { buildDirectMap } from '../mm/direct-map-boot.js';
import type { BootMemory } from './e820.js';
import { PAGE_OFFSET_32, PAGE_OFFSET_64, START_KERNEL_MAP_64 } from './layout.js';
import { PAGE_SIZE } from '../../hw/page.js';

/** `init_mem_mapping()` on `m` over the memory setup_memory() found. */
export function initMemMapping(m: MachineSpec, mem: BootMemory): DirectMap {
  const is64 = m.arch === 'x86-64';
  const top = mem.maxPfn * PAGE_SIZE;
  return buildDirectMap({
    arch: m.arch,
    memory: mem.memBytes.filter((r) => r.start < top).map((r) => ({ start: r.start, end: Math.min(r.end, top) })),
    mapEndPfn: is64 ? mem.maxPfn : mem.maxLowPfn,
    pse: m.cpu.pse,
    gbpages: m.cpu.gbpages && !m.boot.nogbpages,
    debugPagealloc: m.boot.debugPagealloc,
    pageOffset: is64 ? PAGE_OFFSET_64 : PAGE_OFFSET_32,
    highMapBase: is64 ? START_KERNEL_MAP_64 : null,
    kernelImage: m.kernelImage,
  });
}
