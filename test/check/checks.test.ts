/**
 * The check definitions of docs/checks.md, each on a hand-computed scenario
 * (test/fixtures/checks/), and their invariants as seeded properties:
 * aliased pages never exceed the pfns mapped, totals do not depend on
 * handle names or on a step split into equivalent smaller steps, and the
 * alias check equals a brute-force recomputation from the timeline.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from '../fc.js';
import { aliasesOf } from '../../src/check/aliases.js';
import { bitsAt, liveAt, type Timeline } from '../../src/check/timeline.js';
import type { EffectiveTypes } from '../../src/check/effective.js';
import { loadScenarioFile } from '../../src/io/scenario/load.js';
import { judgeUnderPolicy, runUnderPolicy } from '../../src/run/compare.js';
import type { PolicyResult } from '../../src/run/result.js';
import { selectPolicies } from '../../src/policy/registry.js';
import { REPO_ROOT } from '../shared-dir.js';

const fixture = (name: string): string => readFileSync(join(REPO_ROOT, 'test', 'fixtures', 'checks', `${name}.yaml`), 'utf8');
const run = (yaml: string, policy = 'baseline', name = 'x.yaml'): PolicyResult => runUnderPolicy(loadScenarioFile(yaml, name), selectPolicies(policy)[0]!, { detail: false });

test('aliased pages: an 8-page UC BO on PAE highmem (user WB, vmap UC, one kmap_local UC) has 8 aliased pages, not 9', () => {
  const r = run(fixture('uc-bo-pae-highmem'));
  assert.equal(r.totals.aliased_pages, 8);
  assert.equal(r.totals.aliased_pages_high, 8);
  // The kmap_local page is aliased by three mappings at once, still one page.
  const kmapPfn = r.mappings.find((m) => m.name === 'kmap')!.pfn;
  const covering = r.aliases.filter((a) => kmapPfn >= a.pfn && kmapPfn < a.pfn + a.npages);
  assert.ok(covering.some((a) => a.mappings.some((m) => m.kind === 'kmap_local')));
  // Changed: the user fault asked UC- and got WB on every page.
  assert.equal(r.totals.changed_pages, 8);
  assert.equal(r.totals.changed_pages_weaker, 8);
  assert.deepEqual(
    r.mappings.map((m) => [m.name, m.effective]),
    [
      ['user_map', 'WB'],
      ['vmap', 'UC'],
      ['kmap', 'UC'],
    ],
  );
});

test('aliased pages: on x86-64 with TTM skipping caching and the insert honouring the prot, 8 pages for 8 pages, not 16', () => {
  const r = run(fixture('uc-bo-x86-64-skip-caching'), 'ttm-skip-caching+insert-honours-prot');
  assert.equal(r.totals.aliased_pages, 8);
  assert.equal(r.totals.aliased_pages_high, 8);
  assert.equal(r.totals.changed_pages, 0);
  const base = run(fixture('uc-bo-x86-64-skip-caching'));
  assert.equal(base.totals.aliased_pages, 0, 'today TTM makes the direct map UC first');
});

test('aliased pages: two lowmem pages made WC then mapped WB by vmap, vm_insert_page and remap_pfn_range are 2 pages, each once', () => {
  const r = run(fixture('lowmem-wc-mapped-wb'));
  assert.equal(r.totals.aliased_pages, 2);
  assert.equal(r.totals.aliased_pages_high, 2);
  // remap_pfn_range of RAM takes the page flag's WC (asked WB): a stronger change of both pages.
  assert.equal(r.totals.changed_pages, 2);
  assert.equal(r.totals.changed_pages_weaker, 0);
  assert.deepEqual(
    r.changes.map((c) => [c.call, c.class]),
    [['remap_pfn_range', 'stronger']],
  );
  const pfns = new Set<number>();
  for (const a of r.aliases) for (let i = 0; i < a.npages; i++) pfns.add(a.pfn + i);
  assert.equal(pfns.size, 2);
});

test('changed pages: memremap(MEMREMAP_WB) of a WC RAM page returns the WC direct map: one page changed, stronger', () => {
  const r = run(fixture('memremap-wb-of-wc'));
  const m = r.mappings.find((x) => x.name === 'mem')!;
  assert.deepEqual([m.kind, m.requested, m.installed], ['direct', 'write-back', 'write-combining']);
  assert.equal(r.totals.changed_pages, 1);
  assert.deepEqual(
    r.changes.map((c) => [c.call, c.requested, c.installed, c.class]),
    [['memremap', 'write-back', 'write-combining', 'stronger']],
  );
  assert.equal(r.totals.aliased_pages, 0);
});

test('hazard pages: KVM holding kvm_vcpu_map while TTM unpopulates is one hazard page', () => {
  const r = run(fixture('kvm-vcpu-map-unpopulate'));
  assert.equal(r.totals.hazard_pages, 1);
  const kinds = new Set(r.hazards.map((h) => h.kind));
  assert.ok(kinds.has('released-while-held'), JSON.stringify(r.hazards));
  assert.ok(r.hazards.some((h) => h.detail.includes('kvm_vcpu_map')));
});

test('hazard pages: a special PTE on a refcounted page is a property, not a hazard (today\u2019s TTM fault)', () => {
  const j = judgeUnderPolicy(loadScenarioFile(fixture('uc-bo-pae-highmem'), 'x'), selectPolicies('baseline')[0]!);
  assert.ok('timeline' in j);
  assert.equal(j.result.totals.hazard_pages, 0);
  const user = j.timeline.lives.filter((l) => l.kind === 'user');
  assert.ok(user.length > 0 && user.every((l) => l.special === true && l.properties!.includes('special PTEs')));
});

test('totals do not change when a step is split into equivalent smaller steps (one 32K touch = two 16K touches)', () => {
  const whole = run(fixture('uc-bo-pae-highmem'));
  const split = run(fixture('uc-bo-pae-highmem').replace('  - ttm_bo_touch: { addr: user_map, size: 32K }', '  - ttm_bo_touch: { addr: user_map, size: 16K }\n  - ttm_bo_touch: { addr: user_map+0x4000, size: 16K }'));
  assert.deepEqual(split.totals, whole.totals);
});

// ---- properties over generated call sequences ----

const MODES = ['WB', 'WC', 'UC-', 'UC'] as const;

/** A scenario from a list of choices: four lowmem pages and one highmem page, then CPA, vmap, kmap_local and unmaps in any order. */
function scenarioOf(ops: readonly [number, number, number][], names: readonly string[]): string {
  const lines = ['name: gen', 'machine: x86-32-pae-4g', 'steps:'];
  const page = (i: number): string => names[i % names.length]!;
  for (let i = 0; i < 4; i++) lines.push(`  - alloc_pages: { gfp: GFP_KERNEL }`, `    as: ${page(i)}`);
  lines.push(`  - alloc_pages: { gfp: GFP_HIGHUSER }`, `    as: ${names[4]}`);
  const vmaps: string[] = [];
  const kmaps: string[] = [];
  ops.forEach(([op, a, b], n) => {
    const p = a % 4;
    const mode = MODES[b % 4]!;
    switch (op % 6) {
      case 0:
        lines.push(`  - set_pages_array_${mode === 'WB' ? 'wb' : mode === 'WC' ? 'wc' : 'uc'}: { pages: ${page(p)} }`);
        break;
      case 1:
      case 2: {
        const h = `${names[5]}${n}`;
        lines.push(`  - vmap: { pages: ${a % 5 === 4 ? names[4] : page(p)}, prot: ${mode} }`, `    as: ${h}`);
        vmaps.push(h);
        break;
      }
      case 3: {
        const h = `${names[6]}${n}`;
        lines.push(`  - kmap_local_page_prot: { page: ${a % 5 === 4 ? names[4] : page(p)}, prot: ${mode} }`, `    as: ${h}`);
        kmaps.push(h);
        break;
      }
      case 4:
        if (vmaps.length) lines.push(`  - vunmap: { addr: ${vmaps.splice(a % vmaps.length, 1)[0]} }`);
        break;
      default:
        // kmap_local slots are a stack: unmap the last.
        if (kmaps.length) lines.push(`  - kunmap_local: { addr: ${kmaps.pop()} }`);
    }
  });
  return lines.join('\n') + '\n';
}

const OPS = fc.array(fc.tuple(fc.nat(5), fc.nat(9), fc.nat(3)), { minLength: 1, maxLength: 12 });
const NAMES = ['p0', 'p1', 'p2', 'p3', 'hi', 'v', 'k'];

/** The alias definition evaluated naively: every step, every pfn, every live typed mapping. */
function bruteForce(tl: Timeline, eff: EffectiveTypes): { pages: Set<number>; high: Set<number> } {
  const pages = new Set<number>();
  const high = new Set<number>();
  for (const s of tl.steps) {
    const byPfn = new Map<number, number[]>();
    for (const l of tl.lives) {
      if (l.kind === 'hold' || !liveAt(l, s)) continue;
      const bits = bitsAt(l, s);
      if (bits < 0) continue;
      for (let i = 0; i < l.npages; i++) (byPfn.get(l.pfn + i) ?? byPfn.set(l.pfn + i, []).get(l.pfn + i)!).push(eff.code(l.pfn + i, bits));
    }
    for (const [pfn, codes] of byPfn) {
      if (new Set(codes.map((c) => c & 7)).size < 2) continue;
      pages.add(pfn);
      const uncachedFromPat = codes.some((c) => (c & 7) === 1 || ((c & 7) === 0 && c & 8));
      const cacheable = codes.some((c) => [4, 5, 6].includes(c & 7));
      if (uncachedFromPat && cacheable) high.add(pfn);
    }
  }
  return { pages, high };
}

test('property: the alias check equals a brute-force recomputation from the timeline, and never exceeds the pfns mapped', () => {
  let aliasedRuns = 0;
  fc.assert(
    fc.property(OPS, (ops) => {
      const j = judgeUnderPolicy(loadScenarioFile(scenarioOf(ops, NAMES), 'gen.yaml'), selectPolicies('baseline')[0]!, { detail: false });
      if (!('timeline' in j)) return;
      const bf = bruteForce(j.timeline, j.eff);
      const report = aliasesOf(j.timeline, j.eff);
      const got = new Set<number>();
      for (const a of report.ranges) for (let i = 0; i < a.npages; i++) got.add(a.pfn + i);
      assert.deepEqual([...got].sort((a, b) => a - b), [...bf.pages].sort((a, b) => a - b));
      assert.equal(report.pages, bf.pages.size);
      assert.equal(report.pagesHigh, bf.high.size);
      const mapped = new Set<number>();
      for (const l of j.timeline.lives) if (l.kind !== 'direct' && l.kind !== 'highmap' && l.kind !== 'hold') for (let i = 0; i < l.npages; i++) mapped.add(l.pfn + i);
      assert.ok(report.pages <= mapped.size);
      if (report.pages > 0) aliasedRuns++;
    }),
    { seed: 1212, numRuns: 40 },
  );
  assert.ok(aliasedRuns >= 5, `only ${aliasedRuns} generated runs had an alias: the property would test little`);
});

test('property: totals do not change when handles are renamed', () => {
  fc.assert(
    fc.property(OPS, (ops) => {
      const a = run(scenarioOf(ops, NAMES), 'baseline', 'a.yaml');
      const b = run(scenarioOf(ops, ['qa', 'qb', 'qc', 'qd', 'high', 'map', 'loc']), 'baseline', 'b.yaml');
      assert.deepEqual(b.totals, a.totals);
    }),
    { seed: 1213, numRuns: 25 },
  );
});
