/**
 * Boot after the memory is set up, in start_kernel()'s order (spec 03 §1.3):
 * the firmware mappings boot code keeps (`acpi_early_init()`'s ACPI tables,
 * `hpet_enable()` in `time_init()`: the initial pat_memtype_list), then the
 * initcalls whose page-table work a booted machine shows: `sock_init()`'s
 * BPF JIT (its pages' direct-map alias made read-only) and
 * `mark_rodata_ro()` (a 1 GiB direct-map leaf under the image split).
 */

import type { Kernel } from '../kernel.js';
import { newCpaCounters } from '../mm/counters.js';
import { ptpClassifierJit } from './bpf-jit.js';
import { reserveBootMemtypes } from './boot-reservations.js';
import { markRodataRoGbSplit } from './mark-rodata.js';

/** The rest of boot on `k`, up to the point a scenario's first call runs. */
export function restInit(k: Kernel): void {
  reserveBootMemtypes(k.machine, k.memtype);
  const lateBoot = k.log.events.length;
  ptpClassifierJit(k);
  markRodataRoGbSplit(k);
  // Costs and the event log describe what a scenario does: boot's page-table
  // work shows in the state it leaves (DirectMap lines), its messages stay.
  Object.assign(k.counters, newCpaCounters());
  k.log.events.push(...k.log.events.splice(lateBoot).filter((e) => e.kind === 'printk'));
  k.directMap.running = true;
}
