/**
 * The mapping timeline (docs/checks.md §1): every mapping of every pfn the
 * run touched, each with its lifetime `[created, removed)` in scenario steps
 * (0 = boot) and its cache bits for each interval in it. Aliases, mode
 * changes, hazards and the report's lanes are computed from it, never from
 * the final state.
 *
 * Recorded by observing the kernel after every step: of the sources of
 * mappings that can alias a page (the kmap and kmap_local slots, each
 * vmalloc area, each VMA's user PTEs; inventory.ts forEachAliasingSource),
 * those the step wrote are read again as runs and diffed with what they held,
 * and so are the holds of other parties (KVM, GUP); the linear maps (the direct map and the
 * x86-64 high map) change only through entry writes after boot, so only the
 * pfns written are read back (LinearMap.onWrite), at the cost of the writes.
 */

import { PAGE_CACHE_MASK } from '../hw/pte.js';
import { PG_BUDDY } from '../kernel/mm/page.js';
import { kvmIfAny } from '../kernel/drivers/kvm/kvm.js';
import { pageRefs } from '../kernel/drivers/page-refs.js';
import type { Kernel } from '../kernel/kernel.js';
import type { LinearMap } from '../kernel/mm/linear-map.js';
import { PageInts } from '../kernel/mm/page-chunks.js';
import { forEachAliasingSource, type MappingRun } from './inventory.js';

export type LifeKind = 'direct' | 'highmap' | 'kmap' | 'kmap_local' | 'vmap' | 'ioremap' | 'user' | 'hold';

/** Cache bits from step `from` on: 4 KiB-layout PWT|PCD|PAT, or -1 for a hold (no PTE of its own). */
export interface Segment {
  from: number;
  bits4k: number;
}

export interface MappingLife {
  /** Index in Timeline.lives. */
  id: number;
  kind: LifeKind;
  /** Who has it: `direct map`, `pid 1 (patlab)`, `vmap`, `ioremap`, `kvm`, `gup-pin`. */
  owner: string;
  /** Virtual address of the first page; null for a hold. */
  vaddr: number | null;
  pfn: number;
  npages: number;
  /** Step that created it (0: it existed at boot). */
  created: number;
  /** Step at which it was gone; null: still there at the end. */
  removed: number | null;
  /** Its bits over its life, `segments[0].from === created`. */
  segments: Segment[];
  /** User PTEs: special (no struct page reference) or normal. */
  special?: boolean;
  /** Holds: the holder has a page reference (else it maps the pfn without one). */
  refcounted?: boolean;
  /** What this mapping is, beyond its type: `special PTEs on refcounted pages`, `kvm_vcpu_map`. */
  properties?: string[];
}

/** A mapping or hold that appeared at `step` on pages the page allocator has free (PG_buddy): they were freed and not allocated again. */
export interface FreePageUse {
  step: number;
  pfn: number;
  npages: number;
  kind: LifeKind;
  owner: string;
}

export interface Timeline {
  /** The steps run, in order (0 = boot): a run of a long trace holds them as runs of consecutive steps ({@link StepRuns}). */
  steps: Iterable<number>;
  lives: MappingLife[];
  freeUses: FreePageUse[];
}

/**
 * Steps in the order they were observed, held as runs of consecutive ones:
 * a 10^7-call trace's steps are one run, not 10^7 numbers.
 */
export class StepRuns implements Iterable<number> {
  /** [first, last] of each run, flat. */
  constructor(private readonly runs: number[] = []) {}

  push(step: number): void {
    const n = this.runs.length;
    if (n > 0 && this.runs[n - 1]! + 1 === step) this.runs[n - 1] = step;
    else this.runs.push(step, step);
  }

  /** A copy that later pushes to this one do not change. */
  copy(): StepRuns {
    return new StepRuns(this.runs.slice());
  }

  *[Symbol.iterator](): Iterator<number> {
    for (let i = 0; i < this.runs.length; i += 2) for (let s = this.runs[i]!; s <= this.runs[i + 1]!; s++) yield s;
  }
}

/** Live at step `s`: created at or before it and not yet removed. */
export function liveAt(l: MappingLife, s: number): boolean {
  return l.created <= s && (l.removed === null || l.removed > s);
}

/** The bits of a life at step `s` (it must be live then). */
export function bitsAt(l: MappingLife, s: number): number {
  let b = l.segments[0]!.bits4k;
  for (const seg of l.segments) {
    if (seg.from > s) break;
    b = seg.bits4k;
  }
  return b;
}

interface Snap {
  key: string;
  kind: LifeKind;
  owner: string;
  vaddr: number | null;
  pfn: number;
  npages: number;
  bits: number;
  special?: boolean;
  refcounted?: boolean;
  /** What a new life of it is beyond its type; asked only when it begins one (it may walk its pages). */
  properties?: (k: Kernel) => string[];
}

/** The lives one source had open when last read, with their snapshot keys. */
interface SourceLives {
  stamp: readonly unknown[] | null;
  /** The look that last saw the source. */
  seen: number;
  keys: string[];
  lives: MappingLife[];
}

function sameStamp(a: readonly unknown[] | null, b: readonly unknown[] | null): boolean {
  if (a === null || b === null || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A mapping as the recorder compares it from look to look. */
function mappingSnap(m: MappingRun): Snap {
  const kind: LifeKind = m.kind === 'kmap' ? (m.owner === 'kmap_local' ? 'kmap_local' : 'kmap') : m.kind === 'ioremap' ? 'ioremap' : m.kind === 'vmap' ? 'vmap' : 'user';
  const s: Snap = { key: `${kind}|${m.owner}|${m.vaddr}`, kind, owner: m.owner, vaddr: m.vaddr, pfn: m.pfn, npages: m.npages, bits: m.bits4k };
  if (kind === 'user') {
    s.special = m.special === true;
    s.properties = (k) => {
      const props = [m.special ? 'special PTEs' : 'normal PTEs'];
      if (m.special) {
        let refd = 0;
        // Only pfns with a struct page can be refcounted: a PFN map of a huge BAR is not walked page by page.
        const last = Math.min(m.pfn + m.npages, k.pages.nPfns);
        for (let pfn = m.pfn; pfn < last; pfn++) if (k.pages.refcount.get(pfn) > 0) refd++;
        if (refd > 0) props.push(`on ${refd === m.npages ? '' : `${refd} of ${m.npages} `}refcounted pages`);
      } else props.push('GUP/KVM can take references');
      return props;
    };
  }
  return s;
}

/** The holds of other parties (KVM, GUP) on pages, as they are now. */
function holdSnaps(k: Kernel): Snap[] {
  const out: Snap[] = [];
  const reg = pageRefs(k);
  const vm = kvmIfAny(k);
  for (const [holder, byPfn] of reg.holders) {
    for (const [pfn, h] of byPfn) {
      const live = h.refs > 0 || (h.unref > 0 && (reg.stillMapped.get(holder)?.(k, pfn) ?? true));
      if (!live) continue;
      const mapped = holder === 'kvm' && vm !== null && vm.held.some((e) => e.pfn === pfn && e.mapped === true);
      const props = [h.refs > 0 ? 'holds a page reference' : 'maps it without a reference'];
      if (mapped) props.push('kvm_vcpu_map');
      out.push({ key: `hold|${holder}|${pfn}|${h.refs > 0}|${mapped}`, kind: 'hold', owner: holder, vaddr: null, pfn, npages: 1, bits: -1, refcounted: h.refs > 0, properties: () => props });
    }
  }
  return out;
}

type Space = 'direct' | 'highmap';

/**
 * Linear-map histories (a written pfn's bits before its first write, then
 * after each step that wrote it), interned: a written pfn holds an id, and
 * the same step leaving the same bits on the same history gives the same id,
 * so the 10^5 pfns one CPA call writes share one history instead of holding
 * one each, and runs of them compare by identity. A history is its last
 * segment and the id of the history before it (-1: none), so a step costs
 * one entry, not a copy of every segment so far: a page a long trace maps
 * WC and back 40 times held 40 copies of its history, up to 40 segments each.
 */
class Histories {
  /** Per id: the history without its last segment (-1: none), and the last segment's step and bits. */
  private readonly parent: number[] = [];
  private readonly from: number[] = [];
  private readonly bits: number[] = [];
  private readonly initial = new Map<number, number>();
  private step = -1;
  private readonly next = new Map<number, number>();

  /** A history that has had `bits` since boot. */
  since0(bits: number): number {
    let id = this.initial.get(bits);
    if (id === undefined) this.initial.set(bits, (id = this.add(-1, 0, bits)));
    return id;
  }

  /** The bits of history `id`'s last segment: what the pfn has now. */
  lastBits(id: number): number {
    return this.bits[id]!;
  }

  /** History `id` as segments, oldest first. */
  segments(id: number): Segment[] {
    const out: Segment[] = [];
    for (let h = id; h >= 0; h = this.parent[h]!) out.push({ from: this.from[h]!, bits4k: this.bits[h]! });
    return out.reverse();
  }

  /** The last `after` answer (key, id): a run of pfns going the same way asks the same question page after page. */
  private lastKey = -1;
  private lastOut = -1;

  /** History `id` after a step that left the bits `bits`: its last segment replaced if it began at this step, else one appended. */
  after(id: number, step: number, bits: number): number {
    if (step !== this.step) {
      this.step = step;
      this.next.clear();
      this.lastKey = -1;
    }
    // Cache bits are PWT|PCD|PAT (at most 0x98) or -1.
    const key = id * 512 + bits + 1;
    if (key === this.lastKey) return this.lastOut;
    let out = this.next.get(key);
    if (out === undefined) this.next.set(key, (out = this.add(this.from[id] === step ? this.parent[id]! : id, step, bits)));
    this.lastKey = key;
    this.lastOut = out;
    return out;
  }

  private add(parent: number, from: number, bits: number): number {
    this.parent.push(parent);
    this.from.push(from);
    this.bits.push(bits);
    return this.bits.length - 1;
  }
}

/** `[start, count]` runs in a flat list: `pfn` extends the last run when it follows it, else starts one. */
function addToRuns(runs: number[], pfn: number): void {
  const n = runs.length;
  if (n > 0 && runs[n - 2]! + runs[n - 1]! === pfn) runs[n - 1]!++;
  else runs.push(pfn, 1);
}

/**
 * What the recorder keeps of one linear map. Per page (CPA writes these one
 * by one too) but range-shaped where the writes are: a page's history id in
 * a chunked array (only the chunks of written pfns cost memory), the pfns
 * written as runs of consecutive pfns.
 */
class LinearRecord {
  /** Per pfn (from the map's pfnStart): 1 + its history's id once written, 0 before. */
  readonly history: PageInts;
  readonly histories = new Histories();
  /** The pfns ever written by a 4 KiB entry, as `[start, count]` runs in the order first written. */
  readonly written: number[] = [];
  /** Large-leaf writes (a 2/4 MiB or 1 GiB leaf kept whole): range-shaped, `[pfn, pfn + n)`, with their history's id. */
  readonly rangeWrites: { pfn: number; n: number; id: number }[] = [];
  /** Written during the current step: 4 KiB entries as `[start, count]` runs, large leaves as `[pfn, n]` pairs. */
  readonly touched: number[] = [];
  readonly touchedLeaves: number[] = [];

  constructor(readonly m: LinearMap) {
    this.history = new PageInts(Math.max(m.pfnEnd - m.pfnStart, 0));
  }

  /** The history id of a pfn written by a 4 KiB entry, or -1. */
  idOf(pfn: number): number {
    return this.history.get(pfn - this.m.pfnStart) - 1;
  }

  setId(pfn: number, id: number): void {
    this.history.set(pfn - this.m.pfnStart, id + 1);
  }
}

/** Present 4 KiB-layout cache bits of `pfn` in a linear map, -1 where it maps nothing. */
function linearBits(m: LinearMap, pfn: number): number {
  return pfn >= m.pfnStart && pfn < m.pfnEnd && m.present(pfn) ? m.bits4k(pfn) & PAGE_CACHE_MASK : -1;
}

/** A pfn first written by a 4 KiB entry inside a leaf written whole earlier inherits that leaf's history. */
function inheritedHistory(rec: LinearRecord, pfn: number): number | null {
  for (const r of rec.rangeWrites) if (pfn >= r.pfn && pfn < r.pfn + r.n) return r.id;
  return null;
}

/** Builds a Timeline by observing a kernel after boot and after every step. */
export class TimelineRecorder {
  /** `readEveryLook`: read every source at every step, not only those written since (the reference the tests hold the recorder to). */
  constructor(private readonly readEveryLook = false) {}

  private readonly steps = new StepRuns();
  private readonly lives: MappingLife[] = [];
  /** The open lives by snapshot key. */
  private readonly open = new Map<string, MappingLife>();
  /** Each aliasing source's open lives, as of the last look that read it (inventory.ts forEachAliasingSource). */
  private readonly sources = new Map<object, SourceLives>();
  private holds: SourceLives = { stamp: null, seen: 0, keys: [], lives: [] };
  /** Observations made (a source not seen at the latest one is gone). */
  private looks = 0;
  private k: Kernel | null = null;
  private readonly maps = new Map<Space, LinearRecord>();
  /** Pfns the map events of the run name in the direct map (memremap's RAM path): they get a linear life. */
  private readonly directMapped: [number, number][] = [];
  private readonly freeUses: FreePageUse[] = [];

  /** Call after boot (step 0) and after every step. `pure`: the step only read state. */
  observe(k: Kernel, step: number, pure = false): void {
    if (this.k === null) this.attach(k);
    this.steps.push(step);
    if (pure && step > 0) return;
    this.observeLinear(step);
    const tick = ++this.looks;
    // The open lives of the sources read again (written, new or gone): each ends unless a snapshot of this step continues it.
    const reread: SourceLives[] = [];
    const continued = new Set<MappingLife>();
    const opened: [string, MappingLife][] = [];
    const fresh: MappingLife[] = [];
    const take = (s: Snap, lives: SourceLives): void => {
      const l = this.open.get(s.key);
      let life: MappingLife;
      if (l && !continued.has(l) && l.pfn === s.pfn && l.npages === s.npages && l.kind === s.kind) {
        if (l.segments[l.segments.length - 1]!.bits4k !== s.bits) l.segments.push({ from: step, bits4k: s.bits });
        continued.add(l);
        life = l;
      } else {
        life = {
          id: -1,
          kind: s.kind,
          owner: s.owner,
          vaddr: s.vaddr,
          pfn: s.pfn,
          npages: s.npages,
          created: step,
          removed: null,
          segments: [{ from: step, bits4k: s.bits }],
          ...(s.special !== undefined ? { special: s.special } : {}),
          ...(s.refcounted !== undefined ? { refcounted: s.refcounted } : {}),
        };
        const props = s.properties?.(k);
        if (props?.length) life.properties = props;
        this.lives.push(life);
        opened.push([s.key, life]);
        if (step > 0) fresh.push(life);
      }
      lives.keys.push(s.key);
      lives.lives.push(life);
    };
    forEachAliasingSource(k, (src) => {
      const had = this.sources.get(src.src);
      if (had && !this.readEveryLook && sameStamp(had.stamp, src.stamp)) {
        had.seen = tick;
        return;
      }
      if (had) reread.push(had);
      const lives: SourceLives = { stamp: src.stamp && [...src.stamp], seen: tick, keys: [], lives: [] };
      this.sources.set(src.src, lives);
      for (const m of src.runs()) take(mappingSnap(m), lives);
    });
    for (const [src, lives] of this.sources)
      if (lives.seen !== tick) {
        reread.push(lives);
        this.sources.delete(src);
      }
    // Holds change with page references, which leave no trace to compare: read every time.
    reread.push(this.holds);
    const holds: SourceLives = { stamp: null, seen: tick, keys: [], lives: [] };
    for (const s of holdSnaps(k)) take(s, holds);
    this.holds = holds;
    const ended: MappingLife[] = [];
    for (const old of reread)
      for (let i = 0; i < old.lives.length; i++) {
        const l = old.lives[i]!;
        if (continued.has(l)) continue;
        l.removed = step;
        ended.push(l);
        if (this.open.get(old.keys[i]!) === l) this.open.delete(old.keys[i]!);
      }
    // What each owner mapped until this step in the mappings that ended at it: a mapping that only grew or was re-keyed is not a new use of those pages.
    // Built only when a new mapping covers a free page (rare: a use after __free_pages), not at every step.
    let beforeSet: Set<string> | null = null;
    const before = (): Set<string> => {
      if (beforeSet === null) {
        beforeSet = new Set<string>();
        for (const l of ended) for (let q = l.pfn; q < l.pfn + Math.min(l.npages, 1 << 16); q++) beforeSet.add(`${l.kind}|${l.owner}|${q}`);
      }
      return beforeSet;
    };
    for (const life of fresh) this.noteFreeUse(k, life, before);
    for (const [key, life] of opened) this.open.set(key, life);
    // Only the events from where the log says this step's begin can belong to it.
    const ev = k.log.events;
    for (let i = k.log.firstOf(step); i < ev.length; i++) {
      const e = ev[i]!;
      if (e.step === step && e.kind === 'map' && e.space === 'direct') this.directMapped.push([e.pfn, e.npages]);
    }
  }

  /** Pages of a new mapping or hold that are free in the page allocator (a use after __free_pages), as runs. */
  private noteFreeUse(k: Kernel, l: MappingLife, beforeOf: () => ReadonlySet<string>): void {
    const flags = k.pages.flags;
    const end = Math.min(l.pfn + l.npages, k.pages.nPfns);
    let anyFree = false;
    for (let q = l.pfn; q < end && !anyFree; q++) anyFree = (flags.get(q) & PG_BUDDY) !== 0;
    if (!anyFree) return;
    const before = beforeOf();
    let run = -1;
    const flush = (q: number): void => {
      if (run >= 0) this.freeUses.push({ step: l.created, pfn: run, npages: q - run, kind: l.kind, owner: l.owner });
      run = -1;
    };
    for (let q = l.pfn; q < end; q++) {
      const free = (flags.get(q) & PG_BUDDY) !== 0 && !before.has(`${l.kind}|${l.owner}|${q}`);
      if (free && run < 0) run = q;
      else if (!free) flush(q);
    }
    flush(end);
  }

  private attach(k: Kernel): void {
    this.k = k;
    const dm = k.directMap;
    this.maps.set('direct', new LinearRecord(dm.map));
    if (dm.highMap) this.maps.set('highmap', new LinearRecord(dm.highMap));
    this.bind();
  }

  /** Hear the linear maps' writes (`LinearMap.onWrite`), until `finish()`. */
  private bind(): void {
    for (const rec of this.maps.values()) {
      const m = rec.m;
      const hs = rec.histories;
      const ranges = rec.rangeWrites;
      m.onWrite = (pfn, n) => {
        // Before the write: the pfns' bits so far become their first segment.
        if (n === 1) {
          // (An entry outside the map's window writes nothing: LinearMap.setPte.)
          if (pfn < m.pfnStart || pfn >= m.pfnEnd) return;
          if (rec.idOf(pfn) < 0) {
            rec.setId(pfn, inheritedHistory(rec, pfn) ?? hs.since0(linearBits(m, pfn)));
            addToRuns(rec.written, pfn);
          }
          addToRuns(rec.touched, pfn);
          return;
        }
        if (!ranges.some((r) => r.pfn === pfn && r.n === n)) ranges.push({ pfn, n, id: hs.since0(linearBits(m, pfn)) });
        rec.touchedLeaves.push(pfn, n);
      };
    }
  }

  /**
   * Go on recording after `finish()`: for a copy of this recorder made
   * together with a copy of its kernel (kernel/clone.ts cloneKernelWith),
   * which then runs further steps (`patlab explore`'s incremental runs).
   */
  resume(): void {
    this.bind();
  }

  /** After a step: read back the bits of every pfn written in it. */
  private observeLinear(step: number): void {
    for (const rec of this.maps.values()) {
      const { m, histories: hs, touched, touchedLeaves } = rec;
      for (let i = 0; i < touched.length; i += 2) {
        for (let pfn = touched[i]!, end = pfn + touched[i + 1]!; pfn < end; pfn++) {
          const id = rec.idOf(pfn);
          const bits = linearBits(m, pfn);
          if (hs.lastBits(id) !== bits) rec.setId(pfn, hs.after(id, step, bits));
        }
      }
      for (let i = 0; i < touchedLeaves.length; i += 2) {
        const pfn = touchedLeaves[i]!;
        const n = touchedLeaves[i + 1]!;
        const range = rec.rangeWrites.find((x) => x.pfn === pfn && x.n === n)!;
        const bits = linearBits(m, pfn);
        if (hs.lastBits(range.id) !== bits) range.id = hs.after(range.id, step, bits);
      }
      touched.length = 0;
      touchedLeaves.length = 0;
    }
  }

  /**
   * The timeline: the lives recorded, plus linear-map lives for every pfn that
   * another mapping covered or that a step wrote, grouped into runs of pfns
   * with one history.
   */
  finish(): Timeline {
    for (const rec of this.maps.values()) rec.m.onWrite = null;
    // Pfns that need a linear life: those some other mapping covered, and those written.
    const wanted: [number, number][] = [];
    for (const l of this.lives) wanted.push([l.pfn, l.npages]);
    wanted.push(...this.directMapped);
    for (const rec of this.maps.values()) {
      for (let i = 0; i < rec.written.length; i += 2) wanted.push([rec.written[i]!, rec.written[i + 1]!]);
      for (const r of rec.rangeWrites) wanted.push([r.pfn, r.n]);
    }
    const merged = mergeRanges(wanted);
    const linear: MappingLife[] = [];
    for (const [space, rec] of this.maps) {
      const { m, histories: hs, rangeWrites: ranges } = rec;
      // Unwritten pfns share one history per bits value, so a run of them compares by identity (as interned written ones do).
      const constant = new Map<number, Segment[]>();
      // Each history read once as segments, so runs of pfns sharing an id compare by identity.
      const read = new Map<number, Segment[]>();
      const segmentsOf = (id: number): Segment[] => {
        let segs = read.get(id);
        if (!segs) read.set(id, (segs = hs.segments(id)));
        return segs;
      };
      const historyOf = (pfn: number): Segment[] => {
        const h = rec.idOf(pfn);
        if (h >= 0) return segmentsOf(h);
        for (const r of ranges) if (pfn >= r.pfn && pfn < r.pfn + r.n) return segmentsOf(r.id);
        const bits = linearBits(m, pfn);
        let c = constant.get(bits);
        if (!c) constant.set(bits, (c = [{ from: 0, bits4k: bits }]));
        return c;
      };
      const same = (a: Segment[], b: Segment[]): boolean => a === b || (a.length === b.length && a.every((s, i) => s.from === b[i]!.from && s.bits4k === b[i]!.bits4k));
      for (const [start, n] of merged) {
        const lo = Math.max(start, m.pfnStart);
        const hi = Math.min(start + n, m.pfnEnd);
        let run = -1;
        let segs: Segment[] = [];
        const flush = (end: number): void => {
          if (run >= 0 && segs.some((s) => s.bits4k >= 0)) linear.push(linearLife(space, m, run, end - run, segs));
          run = -1;
        };
        for (let pfn = lo; pfn < hi; pfn++) {
          const h = historyOf(pfn);
          if (run >= 0 && same(h, segs)) continue;
          flush(pfn);
          run = pfn;
          segs = h;
        }
        flush(hi);
      }
    }
    const lives = [...linear, ...this.lives];
    lives.forEach((l, i) => (l.id = i));
    return { steps: this.steps.copy(), lives, freeUses: [...this.freeUses] };
  }
}

/** A linear-map life over `[pfn, pfn + n)`: from boot to the end, absent stretches as -1 bits. */
function linearLife(space: Space, m: LinearMap, pfn: number, n: number, segs: Segment[]): MappingLife {
  return {
    id: -1,
    kind: space,
    owner: space === 'direct' ? 'direct map' : 'kernel high map',
    vaddr: m.vaOf(pfn),
    pfn,
    npages: n,
    created: 0,
    removed: null,
    segments: segs.map((s) => ({ ...s })),
  };
}

/** Sorted, merged `[start, n]` ranges. */
export function mergeRanges(rs: readonly (readonly [number, number])[]): [number, number][] {
  const sorted = [...rs].filter((r) => r[1] > 0).sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [s, n] of sorted) {
    const last = out[out.length - 1];
    if (last && s <= last[0] + last[1]) last[1] = Math.max(last[1], s + n - last[0]);
    else out.push([s, n]);
  }
  return out;
}

/** Distinct pfns of a set of ranges. */
export function countPages(rs: readonly (readonly [number, number])[]): number {
  let n = 0;
  for (const [, c] of mergeRanges(rs)) n += c;
  return n;
}
