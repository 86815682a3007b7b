/**
 * The kernel model as the scenario executor drives it: boot, the call table
 * (every modelled call under its kernel name) and the final-state views.
 */

import { DRIVER_CALLS } from '../calls/driver-calls.js';
import { MEMTYPE_CALLS } from '../calls/memtype-calls.js';
import { MM_CALLS } from '../calls/mm-calls.js';
import type { CallSpec } from '../calls/types.js';
import { VM_CALLS } from '../calls/vm-calls.js';
import { TOUCH_CALLS } from '../calls/touch-calls.js';
import { bootKernel, type Kernel } from '../kernel/kernel.js';
import { designCalls } from '../policy/registry.js';
import type { KernelDriver } from './execute.js';

/** Every call a scenario can name: the kernel's (src/calls), then those the designs add (src/policy; each runs only under its design). */
export const CALL_LIST: readonly CallSpec<Kernel>[] = [...MEMTYPE_CALLS, ...MM_CALLS, ...DRIVER_CALLS, ...VM_CALLS, ...designCalls(), ...TOUCH_CALLS];

/** The call table by kernel name. */
export const CALLS: ReadonlyMap<string, CallSpec<Kernel>> = new Map(CALL_LIST.map((c) => [c.name, c]));

export const KERNEL_DRIVER: KernelDriver<Kernel> = {
  boot: bootKernel,
  calls: CALLS,
  pageAddress: (k, pfn) => k.highmem.pageAddress(pfn) ?? 0,
  directmapLines: (k) => k.directMap.meminfoLines(),
  counters: (k) => {
    const c = k.counters;
    const out: Record<string, number> = {};
    for (const [name, v] of Object.entries(c)) if (typeof v === 'number') out[name] = v;
    for (const [name, v] of Object.entries(c.stats)) out[`cpa_stats.${name}`] = v;
    out['memtypeEntries'] = k.memtype.tree.size;
    out['memtypeEntriesPeak'] = k.memtype.tree.peakSize;
    return out;
  },
};
