/**
 * Hazard pages (docs/checks.md §4; spec 05 §5 KVM, 06 §3 option 1 vs the
 * mixture): pfns where something that harms happens —
 * - `released-while-held`: a page is freed or filed in a driver's pool for
 *   reuse while another party still maps it (a user PTE, a vmap, a kmap)
 *   or holds it (a KVM or GUP reference, a KVM mapping without one), as the
 *   timeline shows right after that step;
 * - `ref-on-driver-page`: GUP or KVM takes a page reference on a page whose
 *   driver frees it whatever its refcount (TTM), through its user mapping;
 * - `use-after-free`: a mapping or hold appears on a page the page
 *   allocator has free (PG_buddy): it was freed and is used again without
 *   being allocated (the kernel allows it and says nothing);
 * - `refcount`: what the kernel model itself records (`ref-hazard` events):
 *   a driver freeing a page someone holds, a bad page on free, a put that
 *   frees a page its holder never owned (CVE-2021-22543).
 * A special PTE on a refcounted page is a property of a mapping
 * (MappingLife.properties), not by itself a hazard.
 */

import type { KernelEvent } from '../kernel/events.js';
import { LiveIndex } from './live-index.js';
import { countPages, type MappingLife, type Timeline } from './timeline.js';

export type HazardKind = 'released-while-held' | 'ref-on-driver-page' | 'refcount' | 'use-after-free';

export interface Hazard {
  kind: HazardKind;
  step: number;
  pfn: number;
  npages: number;
  detail: string;
}

export interface HazardReport {
  hazards: Hazard[];
  /** Distinct pfns with a hazard. */
  pages: number;
}

function describeHolder(l: MappingLife): string {
  if (l.kind === 'hold') return `${l.owner}${l.properties?.includes('kvm_vcpu_map') ? ' (kvm_vcpu_map)' : ''} ${l.refcounted ? 'holds a reference' : 'maps it without a reference'}`;
  return `${l.owner} still maps it (${l.kind})`;
}

/**
 * The mappings and holds other than the linear maps live at a step, found
 * by pfn range: the log's events come in step order, so lives are let in as
 * they are created and out as they are removed, and a release costs the
 * lives it overlaps, not every life of the run (a trace that frees 10^5
 * pages it had vmapped has 10^5 lives).
 */
class LivesAtStep {
  private readonly byPfn: MappingLife[];
  private readonly index: LiveIndex;
  /** `byPfn` indices in the order the lives are created, and (those that end) removed. */
  private readonly byCreated: number[];
  private readonly byRemoved: number[];
  private nextIn = 0;
  private nextOut = 0;

  constructor(others: readonly MappingLife[]) {
    const byPfn = [...others].sort((a, b) => a.pfn - b.pfn || a.id - b.id);
    this.byPfn = byPfn;
    this.index = new LiveIndex(byPfn);
    const all = byPfn.map((_, i) => i);
    this.byCreated = all.slice().sort((a, b) => byPfn[a]!.created - byPfn[b]!.created);
    this.byRemoved = all.filter((i) => byPfn[i]!.removed !== null).sort((a, b) => byPfn[a]!.removed! - byPfn[b]!.removed!);
  }

  /** Lives live right after step `s` (steps asked in ascending order) overlapping `[lo, hi)`, in the order of `others`. */
  overlapping(s: number, lo: number, hi: number): MappingLife[] {
    const { byPfn, byCreated, byRemoved } = this;
    for (; this.nextIn < byCreated.length && byPfn[byCreated[this.nextIn]!]!.created <= s; this.nextIn++) {
      const i = byCreated[this.nextIn]!;
      const removed = byPfn[i]!.removed;
      if (removed === null || removed > s) this.index.set(i, true);
    }
    for (; this.nextOut < byRemoved.length && byPfn[byRemoved[this.nextOut]!]!.removed! <= s; this.nextOut++) this.index.set(byRemoved[this.nextOut]!, false);
    const hits: number[] = [];
    this.index.overlapping(lo, hi, hits);
    return hits.map((i) => this.byPfn[i]!).sort((a, b) => a.id - b.id);
  }
}

/**
 * The `released-while-held` findings, before the report merges them: for
 * each release (in the log's order), each other mapping or hold live right
 * after its step that overlaps it (in timeline order).
 */
export function releaseHazards(tl: Timeline, events: readonly KernelEvent[]): Hazard[] {
  const out: Hazard[] = [];
  let live: LivesAtStep | null = null;
  for (let ei = 0; ei < events.length; ei++) {
    const e = events[ei]!;
    if (e.step === 0 || e.kind !== 'release') continue;
    live ??= new LivesAtStep(tl.lives.filter((l) => l.kind !== 'direct' && l.kind !== 'highmap'));
    // Live right after the releasing step: it outlived the release.
    for (const l of live.overlapping(e.step, e.pfn, e.pfn + e.npages)) {
      const lo = Math.max(l.pfn, e.pfn);
      const hi = Math.min(l.pfn + l.npages, e.pfn + e.npages);
      if (lo >= hi) continue;
      out.push({ kind: 'released-while-held', step: e.step, pfn: lo, npages: hi - lo, detail: `${e.owner} ${e.what === 'frees' ? 'frees the page' : 'files the page in its pool for reuse'} while ${describeHolder(l)}` });
    }
  }
  return out;
}

export function hazardsOf(tl: Timeline, events: readonly KernelEvent[]): HazardReport {
  const out = releaseHazards(tl, events);
  for (let ei = 0; ei < events.length; ei++) {
    const e = events[ei]!;
    if (e.step === 0) continue;
    if (e.kind === 'ref-taken' && e.driverOwned) {
      out.push({ kind: 'ref-on-driver-page', step: e.step, pfn: e.pfn, npages: 1, detail: `${e.holder} takes a page reference on a page of ${e.file ?? 'a driver'}'s mapping; that driver frees its pages whatever their refcount` });
    } else if (e.kind === 'ref-hazard') {
      out.push({ kind: 'refcount', step: e.step, pfn: e.pfn, npages: 1, detail: `${e.holder}: ${e.what}` });
    }
  }
  for (const u of tl.freeUses)
    out.push({ kind: 'use-after-free', step: u.step, pfn: u.pfn, npages: u.npages, detail: `${u.owner} ${u.kind === 'hold' ? 'holds' : `maps (${u.kind})`} a page that was freed and not allocated again` });
  out.sort((a, b) => a.pfn - b.pfn || a.step - b.step || a.kind.localeCompare(b.kind) || a.detail.localeCompare(b.detail));
  // One entry per (kind, step, detail) and run of pfns: an entry is found by where it ends, not by a scan of all entries.
  const merged: Hazard[] = [];
  const seen = new Set<string>();
  const endingAt = new Map<string, Hazard>();
  for (const h of out) {
    const key = `${h.kind}|${h.step}|${h.detail}`;
    if (seen.has(`${key}|${h.pfn}|${h.npages}`)) continue;
    seen.add(`${key}|${h.pfn}|${h.npages}`);
    const last = endingAt.get(`${key}|${h.pfn}`);
    if (last) {
      endingAt.delete(`${key}|${h.pfn}`);
      last.npages += h.npages;
      endingAt.set(`${key}|${last.pfn + last.npages}`, last);
    } else {
      const m = { ...h };
      merged.push(m);
      if (!endingAt.has(`${key}|${m.pfn + m.npages}`)) endingAt.set(`${key}|${m.pfn + m.npages}`, m);
    }
  }
  merged.sort((a, b) => a.pfn - b.pfn || a.step - b.step || a.kind.localeCompare(b.kind));
  return { hazards: merged, pages: countPages(merged.map((h) => [h.pfn, h.npages])) };
}
