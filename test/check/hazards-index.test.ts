/**
 * check/hazards.ts finds the mappings live at a release through an index
 * (LivesAtStep) instead of testing every life of the run: the hazards are
 * those of the plain definition (every life, every release), in the same
 * order, on generated runs that free, pool and map pages in any order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from '../fc.js';
import { hazardsOf, type Hazard, type HazardReport } from '../../src/check/hazards.js';
import type { MappingLife, Timeline } from '../../src/check/timeline.js';
import type { KernelEvent } from '../../src/kernel/events.js';
import { loadScenarioFile } from '../../src/io/scenario/load.js';
import { selectPolicies } from '../../src/policy/registry.js';
import { judgeUnderPolicy } from '../../src/run/compare.js';

/**
 * The report as docs/checks.md §4 defines it, computed plainly: every life
 * tested against every release, then the report's sort and merge (the code
 * hazards.ts had before the index).
 */
function plainHazardsOf(tl: Timeline, events: readonly KernelEvent[]): HazardReport {
  const out: Hazard[] = [];
  const others: MappingLife[] = tl.lives.filter((l) => l.kind !== 'direct' && l.kind !== 'highmap');
  const holder = (l: MappingLife): string =>
    l.kind === 'hold' ? `${l.owner}${l.properties?.includes('kvm_vcpu_map') ? ' (kvm_vcpu_map)' : ''} ${l.refcounted ? 'holds a reference' : 'maps it without a reference'}` : `${l.owner} still maps it (${l.kind})`;
  for (const e of events) {
    if (e.step === 0) continue;
    if (e.kind === 'release') {
      for (const l of others) {
        if (!(l.created <= e.step && (l.removed === null || l.removed > e.step))) continue;
        const lo = Math.max(l.pfn, e.pfn);
        const hi = Math.min(l.pfn + l.npages, e.pfn + e.npages);
        if (lo >= hi) continue;
        out.push({ kind: 'released-while-held', step: e.step, pfn: lo, npages: hi - lo, detail: `${e.owner} ${e.what === 'frees' ? 'frees the page' : 'files the page in its pool for reuse'} while ${holder(l)}` });
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
  let pages = 0;
  const all = new Set<number>();
  for (const h of merged) for (let q = h.pfn; q < h.pfn + h.npages; q++) all.add(q);
  pages = all.size;
  return { hazards: merged, pages };
}

/** Pages allocated, vmapped, kmapped, mapped into a VMA, unmapped and freed, in any order (frees of mapped pages included). */
function scenario(ops: readonly [number, number, number][]): string {
  const lines = ['name: gen', 'machine: small-686-pae', 'steps:', '  - mmap: { size: 32K, flags: VM_PFNMAP|VM_IO }', '    as: m'];
  const pages: string[] = [];
  const vmaps: string[] = [];
  let n = 0;
  for (const [op, a, b] of ops) {
    const p = pages.length ? pages[a % pages.length]! : null;
    switch (op % 6) {
      case 0:
        lines.push(`  - alloc_pages: { gfp: ${b % 2 ? 'GFP_HIGHUSER' : 'GFP_KERNEL'}, order: ${b % 3 === 2 ? 1 : 0} }`, `    as: p${n}`);
        pages.push(`p${n++}`);
        break;
      case 1:
        if (p) lines.push(`  - vmap: { pages: ${p} }`, `    as: v${n}`), vmaps.push(`v${n++}`);
        break;
      case 2:
        if (vmaps.length) lines.push(`  - vunmap: { addr: ${vmaps.splice(a % vmaps.length, 1)[0]} }`);
        break;
      case 3:
        if (p) lines.push(`  - vmf_insert_pfn_prot: { addr: m+0x${((b % 8) * 0x1000).toString(16)}, pfn: ${p}.0, prot: WC }`);
        break;
      case 4:
        if (p) lines.push(`  - __free_pages: { pages: ${p} }`), pages.splice(pages.indexOf(p), 1);
        break;
      default:
        lines.push(`  - zap_vma_ptes: { addr: m+0x${((a % 8) * 0x1000).toString(16)}, size: 4K }`);
    }
  }
  return lines.join('\n') + '\n';
}

test('property: the hazards found through the index are those of every life tested against every release, entry for entry', () => {
  let withHazards = 0;
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(5), fc.nat(7), fc.nat(5)), { minLength: 4, maxLength: 40 }), (ops) => {
      const j = judgeUnderPolicy(loadScenarioFile(scenario(ops), 'gen.yaml'), selectPolicies('baseline')[0]!, { detail: false });
      if (!('timeline' in j)) return;
      const events = j.outcome.kernel.log.events;
      const got = hazardsOf(j.timeline, events);
      assert.deepEqual(got, plainHazardsOf(j.timeline, events));
      if (got.hazards.some((h) => h.kind === 'released-while-held')) withHazards++;
    }),
    { seed: 3131, numRuns: 200 },
  );
  assert.ok(withHazards >= 20, `only ${withHazards} runs freed a page still mapped: the property would test little`);
});
