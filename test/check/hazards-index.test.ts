/**
 * check/hazards.ts finds the mappings live at a release through an index
 * (LivesAtStep) instead of testing every life of the run: the hazards are
 * those of the plain definition (every life, every release), in the same
 * order, on generated runs that free, pool and map pages in any order.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from '../fc.js';
import { releaseHazards } from '../../src/check/hazards.js';
import type { MappingLife, Timeline } from '../../src/check/timeline.js';
import type { KernelEvent } from '../../src/kernel/events.js';
import { loadScenarioFile } from '../../src/io/scenario/load.js';
import { selectPolicies } from '../../src/policy/registry.js';
import { judgeUnderPolicy } from '../../src/run/compare.js';

/** The released-while-held findings as docs/checks.md §4 defines them: every life tested against every release. */
function plainReleases(tl: Timeline, events: readonly KernelEvent[]): { step: number; pfn: number; npages: number; life: number }[] {
  const out: { step: number; pfn: number; npages: number; life: number }[] = [];
  const others: MappingLife[] = tl.lives.filter((l) => l.kind !== 'direct' && l.kind !== 'highmap');
  for (const e of events) {
    if (e.kind !== 'release' || e.step === 0) continue;
    for (const l of others) {
      if (!(l.created <= e.step && (l.removed === null || l.removed > e.step))) continue;
      const lo = Math.max(l.pfn, e.pfn);
      const hi = Math.min(l.pfn + l.npages, e.pfn + e.npages);
      if (lo < hi) out.push({ step: e.step, pfn: lo, npages: hi - lo, life: l.id });
    }
  }
  return out;
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

test('property: the released-while-held findings found through the index are those of every life tested against every release, entry for entry', () => {
  let withHazards = 0;
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(5), fc.nat(7), fc.nat(5)), { minLength: 4, maxLength: 40 }), (ops) => {
      const j = judgeUnderPolicy(loadScenarioFile(scenario(ops), 'gen.yaml'), selectPolicies('baseline')[0]!, { detail: false });
      if (!('timeline' in j)) return;
      const events = j.outcome.kernel.log.events;
      const got = releaseHazards(j.timeline, events);
      const want = plainReleases(j.timeline, events);
      // Entry for entry, in order: each names the holder of the life it was found for.
      assert.deepEqual(got.map((h) => [h.step, h.pfn, h.npages]), want.map((w) => [w.step, w.pfn, w.npages]));
      got.forEach((h, i) => assert.ok(h.detail.includes(j.timeline.lives[want[i]!.life]!.owner), h.detail));
      if (got.length > 0) withHazards++;
    }),
    { seed: 3131, numRuns: 200 },
  );
  assert.ok(withHazards >= 20, `only ${withHazards} runs freed a page still mapped: the property would test little`);
});
