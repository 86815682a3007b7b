/** alloc_pages `pfn:`/`pfns:` replay the pages a real machine's allocator returned (issue 17's probe replay). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadScenarioFile } from '../../src/io/scenario/load.js';
import { KERNEL_DRIVER } from '../../src/run/driver.js';
import { runScenario } from '../../src/run/execute.js';
import { InputError } from '../../src/run/input-error.js';

function run(steps: string) {
  const sc = loadScenarioFile(`name: pfns\nmachine: desktop-x86-64\nsteps:\n${steps}`, 'pfns.yaml');
  return runScenario(sc, KERNEL_DRIVER);
}
const pfnsOf = (o: ReturnType<typeof run>, i: number): number[] => {
  const h = o.steps[i]!.result.handle as { kind: string; pfns: number[] };
  assert.equal(h.kind, 'pages');
  return h.pfns;
};
const hex = (p: number) => `0x${p.toString(16)}`;

test('pfns: each allocation starts at the page named, in the order named, with its whole order', () => {
  // Learn two free order-1 blocks from the allocator, give them back, then ask for them reversed.
  const first = run('  - alloc_pages: { gfp: GFP_KERNEL, order: 1, count: 2 }\n    as: p\n');
  const [a, , b] = pfnsOf(first, 0);
  const o = run(`  - alloc_pages: { gfp: GFP_KERNEL, order: 1, count: 2, pfns: [${hex(b!)}, ${hex(a!)}] }\n    as: p\n`);
  assert.deepEqual(pfnsOf(o, 0), [b, b! + 1, a, a! + 1]);
  // The default allocator's choice differs from the replayed one, so the test can fail.
  assert.notDeepEqual(pfnsOf(o, 0), pfnsOf(first, 0));
});

test('pfns: a page that is not free is refused at the step, positioned', () => {
  const steps = '  - alloc_pages: { gfp: GFP_KERNEL }\n    as: p\n';
  const a = pfnsOf(run(steps), 0)[0]!;
  assert.throws(() => run(`${steps}  - alloc_pages: { gfp: GFP_KERNEL, pfns: [${hex(a)}] }\n`), (e: unknown) => e instanceof InputError && /^pfns\.yaml:6:5: .*not free/.test(e.message));
});

test('pfn and pfns together, or pfns of the wrong length, are bad input with the reason', () => {
  const base = pfnsOf(run('  - alloc_pages: { gfp: GFP_KERNEL, count: 2 }\n'), 0);
  assert.throws(() => run(`  - alloc_pages: { gfp: GFP_KERNEL, pfn: ${hex(base[0]!)}, pfns: [${hex(base[0]!)}] }\n`), (e: unknown) => e instanceof InputError && /^pfns\.yaml:4:5: step 1 \(alloc_pages\): pfn and pfns both name the pages: keep one$/.test(e.message));
  assert.throws(() => run(`  - alloc_pages: { gfp: GFP_KERNEL, count: 2, pfns: [${hex(base[0]!)}] }\n`), (e: unknown) => e instanceof InputError && /^pfns\.yaml:4:5: step 1 \(alloc_pages\): pfns names 1 allocation\(s\), count is 2$/.test(e.message));
  assert.throws(() => run(`  - alloc_pages: { gfp: GFP_KERNEL, count: 2, pfn: ${hex(base[0]!)} }\n`), (e: unknown) => e instanceof InputError && /pfn names one allocation/.test(e.message));
});

test('ttm_tt_populate pfns: fresh blocks are taken at the real pool\'s pages; a wrong count is refused', () => {
  const base = '  - ttm_device_init: {}\n  - ttm_bo_create: { size: 16K, caching: WC }\n    as: bo\n';
  const free = pfnsOf(run('  - alloc_pages: { gfp: GFP_KERNEL, order: 3 }\n'), 0);
  // The upper half of a free order-3 block: an order-2 block the model's own allocator would not pick first.
  const want = [free[4]!, free[4]! + 1, free[4]! + 2, free[4]! + 3];
  const o = run(`${base}  - ttm_tt_populate: { bo: bo, pfns: [${want.map(hex).join(', ')}] }\n  - ttm_tt_pages: { bo: bo }\n    as: pg\n`);
  assert.deepEqual(pfnsOf(o, 3), want);
  assert.notDeepEqual(pfnsOf(run(`${base}  - ttm_tt_populate: { bo: bo }\n  - ttm_tt_pages: { bo: bo }\n    as: pg\n`), 3), want);
  assert.throws(() => run(`${base}  - ttm_tt_populate: { bo: bo, pfns: [${hex(want[0]!)}] }\n`), (e: unknown) => e instanceof InputError && /pfns names 1 page\(s\), the tt has 4/.test(e.message));
});
