/**
 * The decision log `patlab explain` reads (issue 12 item 5): the functions
 * on the path from a caller's request to the PTE bits it got push one link
 * each (`lookup_memtype`, `pfnmap_setup_cachemode`, a design hook that
 * bypasses it, `memtype_reserve`'s answer, TTM's caching choice), and the
 * emitter of the `map` event attaches a copy of the links so far.
 *
 * Recording is off (`chain === null`) except under explain, so in every
 * other run a site costs one null test: sites write
 * `k.log.chain?.push({...})`, whose arguments optional chaining never
 * evaluates when the log is off. Links are per call or per range, never per
 * page.
 */

/** One decision: the function that took it, the state it read, what it decided. */
export interface ChainLink {
  fn: string;
  read: string;
  result: string;
}

/** Where the decision log lives (the kernel's event log, seen through the printk sink the memtype code holds). */
export interface ChainLog {
  chain?: ChainLink[] | null;
  /** A RAM page-flag write (`reserve_ram_pages_type`, `free_ram_pages_type`), logged only while recording: explain's page-flag history. */
  notePageFlags?(spfn: number, epfn: number, type: number): void;
}

/** The log's current length: a function pushing links for one call rewinds to it when the call returns. */
export function chainMark(log: ChainLog): number {
  return log.chain ? log.chain.length : 0;
}

/** Drop the links pushed since `mark` (the call they belong to is over). */
export function chainRewind(log: ChainLog, mark: number): void {
  if (log.chain) log.chain.length = mark;
}

/** A copy of the links so far for a `map` event, or undefined when not recording. */
export function chainSnapshot(log: ChainLog): ChainLink[] | undefined {
  return log.chain ? log.chain.slice() : undefined;
}
