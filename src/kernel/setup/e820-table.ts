/**
 * The kernel's e820 table, `e820_table` (arch/x86/kernel/e820.c; spec 03
 * §1): what the rest of boot reads instead of the firmware's map. The
 * zeropage (`boot_params.e820_table`) holds the firmware's first
 * E820_MAX_ENTRIES_ZEROPAGE entries; an EFI boot passes the rest as
 * SETUP_E820_EXT setup data (the EFI stub's `setup_e820()`). The kernel's
 * table has E820_MAX_ENTRIES slots, three per possible NUMA node beyond the
 * zeropage's 128: an entry that finds no free slot is dropped with
 * `e820: too many entries; ignoring [mem ...]`.
 */

import type { E820Entry } from '../machine.js';

/** `E820_MAX_ENTRIES_ZEROPAGE`: the entries `struct boot_params` has room for. */
export const E820_MAX_ENTRIES_ZEROPAGE = 128;

/** `E820_MAX_ENTRIES` (asm/e820/types.h): the zeropage's 128 plus 3 × MAX_NUMNODES (`1 << CONFIG_NODES_SHIFT`, 1 without CONFIG_NUMA). */
export function e820MaxEntries(nodesShift: number): number {
  return E820_MAX_ENTRIES_ZEROPAGE + 3 * 2 ** nodesShift;
}

/** `%#010llx`: 0x and at least eight hex digits. */
function memHex(v: number): string {
  return `0x${v.toString(16).padStart(8, '0')}`;
}

/**
 * `e820__update_table()` on entries that do not overlap (the machine loader
 * refuses overlaps, so the change-point walk reduces to this): sorted by
 * address, empty entries dropped, touching entries of one type joined.
 */
export function e820UpdateTable(entries: readonly E820Entry[]): E820Entry[] {
  const sorted = entries.filter((e) => e.end > e.start).sort((a, b) => a.start - b.start);
  const out: E820Entry[] = [];
  for (const e of sorted) {
    const last = out[out.length - 1];
    if (last && last.type === e.type && last.end === e.start) last.end = e.end;
    else out.push({ ...e });
  }
  return out;
}

/**
 * `e820__memory_setup_default()` then, for entries past the zeropage's,
 * `e820__memory_setup_extended()`: the table the kernel keeps, and the
 * `e820: too many entries` lines (KERN_ERR) for what did not fit.
 */
export function e820Table(firmware: readonly E820Entry[], nodesShift: number): { table: E820Entry[]; errors: string[] } {
  const max = e820MaxEntries(nodesShift);
  const errors: string[] = [];
  // __e820__range_add(): a slot per entry while one is free.
  const add = (table: E820Entry[], e: E820Entry): void => {
    if (table.length >= max) errors.push(`e820: too many entries; ignoring [mem ${memHex(e.start)}-${memHex(e.end - 1)}]`);
    else table.push({ ...e });
  };
  const table: E820Entry[] = [];
  for (const e of firmware.slice(0, E820_MAX_ENTRIES_ZEROPAGE)) add(table, e);
  let out = e820UpdateTable(table);
  if (firmware.length > E820_MAX_ENTRIES_ZEROPAGE) {
    for (const e of firmware.slice(E820_MAX_ENTRIES_ZEROPAGE)) add(out, e);
    out = e820UpdateTable(out);
  }
  return { table: out, errors };
}
