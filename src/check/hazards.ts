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

export function hazardsOf(tl: Timeline, events: readonly KernelEvent[]): HazardReport {
  const out: Hazard[] = [];
  const others = tl.lives.filter((l) => l.kind !== 'direct' && l.kind !== 'highmap');
  for (let ei = 0; ei < events.length; ei++) {
    const e = events[ei]!;
    if (e.step === 0) continue;
    if (e.kind === 'release') {
      for (const l of others) {
        // Live right after the releasing step: it outlived the release.
        if (!(l.created <= e.step && (l.removed === null || l.removed > e.step))) continue;
        const lo = Math.max(l.pfn, e.pfn);
        const hi = Math.min(l.pfn + l.npages, e.pfn + e.npages);
        if (lo >= hi) continue;
        out.push({ kind: 'released-while-held', step: e.step, pfn: lo, npages: hi - lo, detail: `${e.owner} ${e.what === 'frees' ? 'frees the page' : 'files the page in its pool for reuse'} while ${describeHolder(l)}` });
      }
    } else if (e.kind === 'ref-taken' && e.driverOwned) {
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
