/**
 * Cost counters the model keeps (spec 03 §0), cumulative over a run. The
 * units are defined in docs/costs.md; the check layer derives the debate's
 * T/C/F/R costs from them.
 */
export interface CpaCounters {
  /** Calls of change_page_attr_set_clr that did anything (masks or force split). */
  cpaCalls: number;
  /** Global TLB flushes (flush_tlb_all): each split and each big/aliased final flush. */
  tlbFlushAll: number;
  /** IPI rounds invalidating single pages, and the pages they named. */
  tlbFlushRounds: number;
  tlbFlushPages: number;
  /** cpa_flush_all rounds (every CPU flushes its whole TLB), and those with WBINVD. */
  cpuFlushAllRounds: number;
  wbinvdRounds: number;
  /** 4 KiB pages flushed with CLFLUSH(OPT). */
  clflushPages: number;
  split2M: number;
  split1G: number;
  /** Page-table pages allocated by splits. */
  ptPagesAllocated: number;
  kmapFlushUnused: number;
  vmUnmapAliases: number;
  /** IPIs sent: every cross-CPU flush (global flush, IPI round, cpa_flush_all) interrupts the nCpus - 1 other CPUs. */
  ipis: number;
  /** struct page refcount changes (get_page/put_page, GUP references): +1 per change. */
  refcountOps: number;
  /** struct page mapcount changes (rmap add/remove of a normal PTE): +1 per change. */
  mapcountOps: number;
  /** Page-table walks to install or look up user PTEs (one per walk: per page for vmf_insert_*, once per range for apply_to_page_range). */
  ptWalks: number;
  /** CONFIG_X86_CPA_STATISTICS (x86/cpa_stats). */
  stats: {
    checked1G: number;
    sameprot1G: number;
    preserved1G: number;
    checked2M: number;
    sameprot2M: number;
    preserved2M: number;
    setChecked4K: number;
  };
}

export function newCpaCounters(): CpaCounters {
  return {
    cpaCalls: 0,
    tlbFlushAll: 0,
    tlbFlushRounds: 0,
    tlbFlushPages: 0,
    cpuFlushAllRounds: 0,
    wbinvdRounds: 0,
    clflushPages: 0,
    split2M: 0,
    split1G: 0,
    ptPagesAllocated: 0,
    kmapFlushUnused: 0,
    vmUnmapAliases: 0,
    ipis: 0,
    refcountOps: 0,
    mapcountOps: 0,
    ptWalks: 0,
    stats: { checked1G: 0, sameprot1G: 0, preserved1G: 0, checked2M: 0, sameprot2M: 0, preserved2M: 0, setChecked4K: 0 },
  };
}
