/**
 * x86-32 lowmem: how far the direct map reaches (`max_low_pfn`), from the
 * 3G/1G split and the vmalloc reserve (spec 03 §1.1, §5; spec/07 (b) 9).
 *
 * arch/x86/include/asm/pgtable_32_areas.h (torvalds/linux, read at
 * 3ab7ae8e07f888f223027f0ef84d33e43919ad55):
 *   MAXMEM      = VMALLOC_END - PAGE_OFFSET - __VMALLOC_RESERVE
 *   VMALLOC_END = PKMAP_BASE - 2 * PAGE_SIZE     (CONFIG_HIGHMEM)
 *               = LDT_BASE_ADDR - 2 * PAGE_SIZE  (otherwise)
 *   LDT_BASE_ADDR = (CPU_ENTRY_AREA_BASE - PAGE_SIZE) & PMD_MASK
 *   PKMAP_BASE    = (LDT_BASE_ADDR - PAGE_SIZE) & PMD_MASK
 * with PAGE_OFFSET 0xC0000000 (CONFIG_VMSPLIT_3G) and __VMALLOC_RESERVE
 * 128 MiB (arch/x86/mm/pgtable_32.c). CPU_ENTRY_AREA_BASE depends on NR_CPUS
 * and the fixmap size, so it is a constant here: 0xFF400000, which is what
 * Debian's 6.1 686-pae kernel has (captures/i386pae-2g-cpumax: HighMem starts
 * at 0x36ffe000 = MAXMEM, hence VMALLOC_END 0xfeffe000 and PKMAP_BASE
 * 0xff000000). The non-PAE value is assumed equal (unconfirmed).
 */

import type { Arch, E820Entry } from '../machine.js';
import { PAGE_SHIFT, PAGE_SIZE } from '../../hw/page.js';

/** PAGE_OFFSET with the default 3G/1G split. */
export const X86_32_PAGE_OFFSET = 0xc0000000;
/** `__VMALLOC_RESERVE`: 128 MiB kept for vmalloc/ioremap above lowmem. */
export const VMALLOC_RESERVE = 128 * 1024 * 1024;
/** CPU_ENTRY_AREA_BASE of the modelled config (see the file comment). */
export const CPU_ENTRY_AREA_BASE = 0xff400000;

function pmdSize(arch: Arch): number {
  // PAE page tables have 2 MiB PMDs; two-level non-PAE tables 4 MiB.
  return arch === 'x86-32' ? 4 * 1024 * 1024 : 2 * 1024 * 1024;
}

function alignDown(v: number, a: number): number {
  return v - (v % a);
}

/** `LDT_BASE_ADDR` (pgtable_32_areas.h). */
export function ldtBaseAddr(arch: Arch): number {
  return alignDown(CPU_ENTRY_AREA_BASE - PAGE_SIZE, pmdSize(arch));
}

/** `PKMAP_BASE` (pgtable_32_areas.h): start of the persistent kmap area. */
export function pkmapBase(arch: Arch): number {
  return alignDown(ldtBaseAddr(arch) - PAGE_SIZE, pmdSize(arch));
}

/** `VMALLOC_END` (pgtable_32_areas.h). */
export function vmallocEnd(arch: Arch, highmem: boolean): number {
  return (highmem ? pkmapBase(arch) : ldtBaseAddr(arch)) - 2 * PAGE_SIZE;
}

/** `MAXMEM` in bytes: the most RAM the direct map can hold. */
export function maxmem(arch: Arch, highmem: boolean): number {
  return vmallocEnd(arch, highmem) - X86_32_PAGE_OFFSET - VMALLOC_RESERVE;
}

/** `MAX_ARCH_PFN`: 2^20 non-PAE, 2^24 PAE (64 GiB), 2^34 on x86-64 (4-level MAXMEM 2^46). */
export function maxArchPfn(arch: Arch): number {
  return arch === 'x86-32' ? 2 ** 20 : arch === 'x86-32-pae' ? 2 ** 24 : 2 ** 34;
}

/**
 * `e820__end_of_ram_pfn()` (arch/x86/kernel/e820.c): one past the last pfn of
 * usable RAM, entries' ends rounded down to a page, capped at MAX_ARCH_PFN.
 */
export function endOfRamPfn(e820: readonly E820Entry[], arch: Arch): number {
  const limit = maxArchPfn(arch);
  let last = 0;
  for (const e of e820) {
    if (e.type !== 'usable') continue;
    const s = Math.floor(e.start / PAGE_SIZE);
    const t = Math.min(Math.floor(e.end / PAGE_SIZE), limit);
    if (s >= limit || t <= s) continue;
    last = Math.max(last, t);
  }
  return last;
}

/**
 * `find_low_pfn_range()` (arch/x86/mm/init_32.c), without the `highmem=`
 * option: all RAM is lowmem if it fits under MAXMEM, otherwise lowmem stops
 * at MAXMEM. Returns `max_low_pfn`.
 */
export function findLowPfnRange(maxPfn: number, arch: Arch, highmem: boolean): number {
  const maxmemPfn = Math.floor(maxmem(arch, highmem) / PAGE_SIZE);
  return maxPfn <= maxmemPfn ? maxPfn : maxmemPfn;
}

export { PAGE_SIZE, PAGE_SHIFT };
