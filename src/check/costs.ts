/**
 * Costs of a run in named units (docs/costs.md defines each and how the
 * debate's T/C/F/R derive from them).
 */

import type { Kernel } from '../kernel/kernel.js';

export interface Costs {
  [name: string]: number;
}

export function runCosts(k: Kernel): Costs {
  const c = k.counters;
  const nCpus = k.machine.cpu.nCpus;
  const lineSize = k.machine.cpu.clflushLineSize || 64;
  return {
    /** T: memtype tree entries. */
    treeEntriesPeak: k.memtype.tree.peakSize,
    treeEntriesFinal: k.memtype.tree.size,
    /** C: change_page_attr calls that changed something. */
    cpaCalls: c.cpaCalls,
    split2M: c.split2M,
    split1G: c.split1G,
    /** F: TLB shootdowns, as flush operations and as IPIs to other CPUs. */
    tlbFlushAll: c.tlbFlushAll,
    tlbFlushRounds: c.tlbFlushRounds,
    tlbFlushPages: c.tlbFlushPages,
    tlbShootdownIpis: c.ipis,
    cpuFlushAllRounds: c.cpuFlushAllRounds,
    /** F: cache flushes. */
    clflushPages: c.clflushPages,
    clflushLines: (c.clflushPages * 4096) / lineSize,
    wbinvd: c.wbinvdRounds * nCpus,
    /** R: struct page reference and map counts moved. */
    refcountOps: c.refcountOps,
    mapcountOps: c.mapcountOps,
    /** Page-table walks for user PTEs. */
    ptWalks: c.ptWalks,
  };
}
