/**
 * The memory part of `setup_arch()` (arch/x86/kernel/setup.c, spec 03 §1):
 * the firmware's e820 table trimmed (`trim_bios_range()`), the System RAM
 * resources (`e820__reserve_resources()`), memblock memory
 * (`e820__memblock_setup()`), and `max_pfn` / `max_low_pfn`
 * (`e820__end_of_ram_pfn()`, x86-32 `find_low_pfn_range()`).
 */

import { PAGE_SIZE } from '../../hw/page.js';
import type { E820Entry, MachineSpec } from '../machine.js';
import { SystemRam } from '../mm/system-ram.js';
import type { PfnRange } from '../mm/zones.js';
import { endOfRamPfn, findLowPfnRange } from './lowmem.js';

/** A byte range [start, end). */
export interface ByteRange {
  start: number;
  end: number;
}

/** What the memory part of setup_arch() leaves for the stages after it. */
export interface BootMemory {
  systemRam: SystemRam;
  /** memblock memory in bytes, merged (memblock_add). */
  memBytes: ByteRange[];
  /** memblock memory, pfn-aligned and cut at max_pfn. */
  memblock: PfnRange[];
  maxPfn: number;
  maxLowPfn: number;
  /** `high_memory` as a pfn: max_pfn on x86-64, max_low_pfn on x86-32. */
  highMemoryPfn: number;
}

/**
 * `trim_bios_range()` (arch/x86/kernel/setup.c): page 0 becomes reserved
 * (`e820: update [mem 0x00000000-0x00000fff] usable ==> reserved`) and RAM
 * in [0xA0000, 0x100000) is removed. Returns the usable ranges, byte-exact.
 */
export function trimBiosRange(e820: readonly E820Entry[]): ByteRange[] {
  const out: ByteRange[] = [];
  const cut = (s: number, e: number): void => {
    const pieces: [number, number][] = [
      [s, Math.min(e, 0xa0000)],
      [Math.max(s, 0x100000), e],
    ];
    for (const [a, b] of pieces) {
      const a2 = Math.max(a, PAGE_SIZE);
      if (b > a2) out.push({ start: a2, end: b });
    }
  };
  for (const e of e820) if (e.type === 'usable') cut(e.start, e.end);
  return out.sort((a, b) => a.start - b.start);
}

/** memblock_add() merging: adjacent or overlapping regions join. */
function memblockAdd(rs: readonly ByteRange[]): ByteRange[] {
  const out: ByteRange[] = [];
  for (const r of rs) {
    const last = out[out.length - 1];
    if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
    else out.push({ ...r });
  }
  return out;
}

/** The memory part of setup_arch() for machine `m` whose e820 table the kernel keeps as `e820` (e820-table.ts), in the kernel's order. */
export function setupMemory(m: MachineSpec, e820: readonly E820Entry[]): BootMemory {
  const is64 = m.arch === 'x86-64';
  const usable = trimBiosRange(e820);
  // e820__reserve_resources(): one "System RAM" resource per usable range.
  const systemRam = new SystemRam(usable.map((r) => ({ start: r.start, endIncl: r.end - 1 })));
  const memBytes = memblockAdd(usable);

  // max_pfn, max_low_pfn (x86-32: MAXMEM; without CONFIG_HIGHMEM max_pfn is cut there).
  let maxPfn = endOfRamPfn(e820, m.arch);
  let maxLowPfn = maxPfn;
  if (!is64) {
    maxLowPfn = m.maxLowPfn ?? findLowPfnRange(maxPfn, m.arch, m.config.highmem);
    maxLowPfn = Math.min(maxLowPfn, maxPfn);
    if (!m.config.highmem) maxPfn = maxLowPfn;
  }
  const memblock: PfnRange[] = [];
  for (const r of memBytes) {
    const s = Math.ceil(r.start / PAGE_SIZE);
    const e = Math.min(Math.floor(r.end / PAGE_SIZE), maxPfn);
    if (e > s) memblock.push({ start: s, end: e });
  }
  return { systemRam, memBytes, memblock, maxPfn, maxLowPfn, highMemoryPfn: is64 ? maxPfn : maxLowPfn };
}
