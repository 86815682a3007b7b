/**
 * The fixed virtual layout (spec/07 (b) 8, 9: fixed bases, no KASLR):
 * x86-64's from Documentation/arch/x86/x86_64/mm.rst (4-level paging),
 * x86-32's from the 3G/1G split, `high_memory` and pgtable_32_areas.h.
 */

import { PAGE_SIZE } from '../../hw/page.js';
import type { VirtualLayout } from '../context.js';
import type { MachineSpec } from '../machine.js';
import type { DirectMap } from '../mm/direct-map.js';
import type { BootMemory } from './e820.js';
import { pkmapBase, vmallocEnd } from './lowmem.js';

const KV_BIAS_64 = 0xffff000000000000n;
/** Stored forms (minus the bias) of the x86-64 bases. */
export const PAGE_OFFSET_64 = 0x888000000000; // 0xffff888000000000
const VMALLOC_START_64 = 0xc90000000000; // 0xffffc90000000000
const VMALLOC_END_64 = 0xe90000000000; // 0xffffe8ffffffffff + 1
export const START_KERNEL_MAP_64 = 0xffff80000000; // 0xffffffff80000000
/** The module area, MODULES_VADDR (__START_KERNEL_map + KERNEL_IMAGE_SIZE, 1 GiB with KASLR) to MODULES_END. */
export const MODULES_VADDR_64 = 0xffffc0000000; // 0xffffffffc0000000
export const MODULES_END_64 = 0xffffff000000; // 0xffffffffff000000
export const PAGE_OFFSET_32 = 0xc0000000;
/** VMALLOC_OFFSET: the 8 MiB gap between high_memory and VMALLOC_START on 32-bit. */
const VMALLOC_OFFSET_32 = 8 << 20;
/**
 * Address of CPU 0's first kmap_local fixmap slot on 32-bit (FIX_KMAP_BEGIN;
 * slots go down from it). The real value depends on the fixmap layout of the
 * config; any address in the fixmap area above the pkmaps gives the same
 * behaviour (model choice).
 */
const FIXMAP_KMAP_BASE_32 = 0xfff00000;

/** The virtual layout of the booted kernel on `m`, once init_mem_mapping() has set max_pfn_mapped. */
export function virtualLayout(m: MachineSpec, mem: BootMemory, directMap: DirectMap): VirtualLayout {
  if (m.arch === 'x86-64') {
    return {
      kvBias: KV_BIAS_64,
      pageOffset: PAGE_OFFSET_64,
      directMapEndPfn: directMap.maxPfnMapped,
      highMapBase: START_KERNEL_MAP_64,
      vmallocStart: VMALLOC_START_64,
      vmallocEnd: VMALLOC_END_64,
      pkmapBase: null,
      fixmapKmapBase: null,
    };
  }
  const highMemory = PAGE_OFFSET_32 + mem.maxLowPfn * PAGE_SIZE;
  return {
    kvBias: 0n,
    pageOffset: PAGE_OFFSET_32,
    directMapEndPfn: mem.maxLowPfn,
    highMapBase: null,
    vmallocStart: Math.floor((highMemory + VMALLOC_OFFSET_32) / VMALLOC_OFFSET_32) * VMALLOC_OFFSET_32,
    vmallocEnd: vmallocEnd(m.arch, m.config.highmem),
    pkmapBase: m.config.highmem ? pkmapBase(m.arch) : null,
    fixmapKmapBase: m.config.highmem ? FIXMAP_KMAP_BASE_32 : null,
  };
}
