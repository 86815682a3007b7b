/**
 * The run's event log (DESIGN.md: "everything observable is an event").
 * Modelled functions append typed events; results, costs and checks are
 * computed from the log and the final state. Events are coarse (ranges, not
 * pages) so a million-page call stays one event.
 */

import type { ChainLink } from './chain.js';
import type { LogLevel, Printk } from './printk.js';

export type KernelEvent =
  | { kind: 'printk'; step: number; level: LogLevel; text: string }
  | { kind: 'tree-insert' | 'tree-erase'; step: number; start: number; end: number; type: number }
  | { kind: 'page-memtype'; step: number; spfn: number; epfn: number; type: number }
  /** A kernel or user PTE range written: `npages` consecutive pages from `vaddr`/`pfn` with 4 KiB-layout cache bits. */
  | { kind: 'pte'; step: number; space: 'direct' | 'highmap' | 'vmalloc' | 'kmap' | 'user'; vaddr: number; pfn: number; npages: number; level: '4k' | '2m' | '4m' | '1g'; bits: number }
  | { kind: 'split'; step: number; space: 'direct' | 'highmap' | 'vmalloc'; vaddr: number; from: '2m' | '4m' | '1g' }
  | { kind: 'fatal'; step: number; what: 'oops' | 'BUG' | 'panic'; text: string }
  /**
   * A call that creates a mapping asked for one cache mode and installed
   * another or the same (the input of the silent-downgrade check, spec/07 D4):
   * `requested` is the mode of the caller's prot or the API's own mode
   * (ioremap_wc = WC), `installed` the mode of the PTE bits written.
   * `chain`: the decisions that led there (kernel/chain.ts), only when the
   * decision log is recording (`patlab explain`).
   * `each`: the event is a run of consecutive calls of `each` pages each,
   * logged one after the other with nothing between (a fault's pages, one
   * `vmf_insert_pfn_prot` per page), each continuing the last in pfns: read
   * it as those calls where calls count (check/changes.ts). Absent: one call.
   */
  | { kind: 'map'; step: number; call: string; space: 'user' | 'vmalloc' | 'kmap' | 'direct'; pfn: number; npages: number; requested: number; installed: number; chain?: ChainLink[]; each?: number }
  /**
   * One `change_page_attr_set_clr` call (spec 03 §2): the request (start
   * address and page count, or the pages-mode pfn list by reference), the
   * masks, how many leaves it changed and its return value. Per-page PTE
   * writes of a pages-mode call are not logged one by one (a million-page call
   * stays one event); the page tables hold the result.
   */
  | { kind: 'cpa'; step: number; caller: string; vaddr: number; npages: number; pages: ArrayLike<number> | null; maskSet: number; maskClr: number; changed: number; ret: number }
  /**
   * A page-lifetime hazard between a driver that owns a page and another
   * holder of it (spec 05 §5, 06 §1 "KVM history"): e.g. TTM frees a page KVM
   * holds a reference on, or KVM still maps a pfn TTM freed. `holder` is who
   * keeps it (`kvm`), `what` says what happened (kernel/drivers/page-refs.ts).
   */
  | { kind: 'ref-hazard'; step: number; pfn: number; holder: string; what: string }
  /**
   * Pages leave their owner's use: freed to the page allocator (`__free_pages`)
   * or filed in a driver's pool for the next buffer. Whoever still maps or
   * holds them then is the hazard check's input (check/hazards.ts).
   */
  | { kind: 'release'; step: number; pfn: number; npages: number; owner: string; what: 'frees' | 'pools' }
  /**
   * A reference on a page taken through a user PTE (GUP, KVM's `hva_to_pfn`):
   * `file` is the driver file of the VMA it came through (`drm-bo` for TTM),
   * null for memory no driver owns; `driverOwned`: that driver frees its pages
   * whatever their refcount (VmFile.ownsPagesUnrefcounted).
   */
  | { kind: 'ref-taken'; step: number; pfn: number; holder: string; file: string | null; driverOwned: boolean }
  /**
   * A kernel check refused a request: the function, the condition it tested
   * (in the kernel's words) and what it returned. A failed call's reason is
   * the first refusal of its step (docs/checks.md §5).
   */
  | { kind: 'refusal'; step: number; fn: string; check: string; ret: string };

export type PteEvent = Extract<KernelEvent, { kind: 'pte' }>;
export type MapEvent = Extract<KernelEvent, { kind: 'map' }>;

/** Printk plus the event log, with the index of the scenario step being run. */
export class KernelLog implements Printk {
  readonly events: KernelEvent[] = [];
  /**
   * The user `pte` event (and its `map` event) that kernel/vm/pte-write.ts
   * logged last: while they are still the log's last events, the call's next
   * page extends them. Kept here so that test reads one object of one shape,
   * not the log's last entries of any kind.
   */
  userRun: { pte: PteEvent; map: MapEvent | null } | null = null;
  /** The scenario step currently running (0 = boot); a new step starts with an empty decision log. */
  get step(): number {
    return this.stepNo;
  }
  set step(n: number) {
    this.stepNo = n;
    if (n !== this.latestStep) {
      if (this.retain) this.compactFrom(this.latestFirst, this.retain);
      // A finished step's events never change again: frozen, copies of the kernel share them (kernel/clone.ts).
      const ev = this.events;
      for (let i = this.latestFirst; i < ev.length; i++) Object.freeze(ev[i]);
      this.latestStep = n;
      this.latestFirst = this.events.length;
    }
    if (this.chain) this.chain.length = 0;
  }
  private stepNo = 0;
  /**
   * Where the latest step's events begin, so reading the running step's events does not scan
   * the whole run (the runner reads only those). One step, not a map of every step: a trace of
   * 10^7 calls would hold 10^7 entries.
   */
  private latestStep = 0;
  private latestFirst = 0;

  /**
   * What is kept of a step once the next one begins (null: everything). A
   * run judged only at its end (compare without the HTML views' detail)
   * keeps the events its judgement reads, so a long trace's log holds its
   * findings' inputs, not every PTE write and CPA call (docs/record.md §5).
   * The running step's events are all there while it runs and until the
   * next step begins (its messages and refusal are read after it).
   */
  retain: ((e: KernelEvent) => boolean) | null = null;

  private compactFrom(first: number, keep: (e: KernelEvent) => boolean): void {
    const ev = this.events;
    let w = first;
    for (let r = first; r < ev.length; r++) {
      const e = ev[r]!;
      if (keep(e)) ev[w++] = e;
    }
    ev.length = w;
  }

  /** The index of the first event step `step` can have (0: scan from the start for a step before the latest). */
  firstOf(step: number | undefined): number {
    return step !== undefined && step === this.latestStep ? this.latestFirst : 0;
  }
  /** The decision log (kernel/chain.ts): null unless `patlab explain` records it. */
  chain: ChainLink[] | null = null;

  notePageFlags(spfn: number, epfn: number, type: number): void {
    if (this.chain) this.events.push({ kind: 'page-memtype', step: this.stepNo, spfn, epfn, type });
  }

  emit(level: LogLevel, text: string): void {
    this.events.push({ kind: 'printk', step: this.step, level, text });
  }

  /** Record that `fn` refused because `check` held, returning `ret` (an errno or VM_FAULT_* name). */
  refuse(fn: string, check: string, ret: string): void {
    this.events.push({ kind: 'refusal', step: this.stepNo, fn, check, ret });
  }

  /** The first refusal of a step, as `fn: check → ret`, or undefined. */
  refusalOf(step: number): string | undefined {
    const ev = this.events;
    for (let i = this.firstOf(step); i < ev.length; i++) {
      const e = ev[i]!;
      if (e.kind === 'refusal' && e.step === step) return `${e.fn}: ${e.check} → ${e.ret}`;
    }
    return undefined;
  }

  /** Kernel messages in order, optionally only those of one step. */
  messages(step?: number): { level: LogLevel; text: string }[] {
    const out: { level: LogLevel; text: string }[] = [];
    const ev = this.events;
    for (let i = this.firstOf(step); i < ev.length; i++) {
      const e = ev[i]!;
      if (e.kind === 'printk' && (step === undefined || e.step === step)) out.push({ level: e.level, text: e.text });
    }
    return out;
  }
}
