/** Kernel misuse in a scenario gets the kernel's own outcome (issue 15): a WARN and its return value, a BUG as a fatal step, a bad pid as positioned bad input. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadScenarioFile } from '../../src/io/scenario/load.js';
import { KERNEL_DRIVER } from '../../src/run/driver.js';
import { runScenario } from '../../src/run/execute.js';
import { InputError } from '../../src/run/input-error.js';

function run(machine: string, steps: string) {
  const sc = loadScenarioFile(`name: misuse\nmachine: ${machine}\nsteps:\n${steps}`, 'misuse.yaml');
  return runScenario(sc, KERNEL_DRIVER);
}
const texts = (o: ReturnType<typeof run>) => o.steps.flatMap((s) => s.messages.map((m) => `${s.index} ${m.level} ${m.text}`));
const PAE = 'x86-32-pae-4g';

test('__free_pages twice: the second free finds a free page, frees nothing, records a hazard', () => {
  const o = run('desktop-x86-64', '  - alloc_pages: { gfp: GFP_KERNEL }\n    as: p\n  - __free_pages: { pages: p }\n  - __free_pages: { pages: p }\n');
  assert.equal(o.fatal, undefined);
  assert.ok(o.kernel.log.events.some((e) => e.kind === 'ref-hazard' && e.step === 3));
});

test('__free_pages of a tail page never handed out on its own underflows, frees nothing', () => {
  const o = run('desktop-x86-64', '  - alloc_pages: { gfp: GFP_KERNEL, order: 1 }\n    as: p\n  - __free_pages: { pages: p }\n');
  assert.equal(o.fatal, undefined);
  assert.ok(o.kernel.log.events.some((e) => e.kind === 'ref-hazard' && /does not hold/.test(e.what)));
});

test('alloc_pages above MAX_ORDER: WARN_ON_ONCE in __alloc_pages, NULL', () => {
  const o = run('desktop-x86-64', '  - alloc_pages: { gfp: GFP_KERNEL, order: 11 }\n  - alloc_pages: { gfp: GFP_KERNEL, order: 12 }\n');
  assert.equal(o.steps[0]!.result.isNull, true);
  assert.deepEqual(texts(o), ['1 warning-splat WARNING: WARN_ON_ONCE in __alloc_pages']);
});

test('vunmap twice: WARN "Trying to vunmap() nonexistent vm area" and return (vfree() on 6.1)', () => {
  const steps = '  - alloc_pages: { gfp: GFP_KERNEL, count: 2 }\n    as: p\n  - vmap: { pages: p }\n    as: v\n  - vunmap: { addr: v }\n  - vunmap: { addr: v }\n';
  assert.deepEqual(texts(run('desktop-x86-64', steps)), ['4 warning-splat WARNING: Trying to vunmap() nonexistent vm area (ffffc90000000000)']);
  assert.match(texts(run('debian-6.1-amd64-qemu', steps))[0]!, /WARNING: Trying to vfree\(\) nonexistent vm area \(/);
});

test('kunmap of a highmem page that is not kmapped: BUG_ON(!vaddr) in kunmap_high, fatal at that step', () => {
  const o = run(PAE, '  - alloc_pages: { gfp: GFP_HIGHUSER }\n    as: p\n  - kunmap: { page: p }\n');
  assert.deepEqual(o.fatal, { step: 2, what: 'BUG', text: 'kernel BUG at mm/highmem.c: kunmap_high: BUG_ON(!vaddr)', where: 'kunmap_high' });
});

test('kunmap_local with nothing mapped: WARN_ON_ONCE, then BUG_ON in kmap_local_idx_pop', () => {
  const o = run(PAE, '  - alloc_pages: { gfp: GFP_HIGHUSER }\n    as: p\n  - kmap_local_page: { page: p }\n    as: m\n  - kunmap_local: { addr: m }\n  - kunmap_local: { addr: m }\n');
  assert.equal(o.fatal?.where, 'kmap_local_idx_pop');
  assert.deepEqual(texts(o), ['4 warning-splat WARNING: WARN_ON_ONCE in kunmap_local_indexed']);
});

test('kmap_local_page nested past KM_MAX_IDX: BUG at the 17th', () => {
  const o = run(PAE, '  - alloc_pages: { gfp: GFP_HIGHUSER }\n    as: p\n' + '  - kmap_local_page: { page: p }\n'.repeat(17));
  assert.equal(o.fatal?.step, 18);
  assert.match(o.fatal!.text, /BUG_ON\(current->kmap_ctrl\.idx >= KM_MAX_IDX\)/);
});

test('fork to a pid that exists is bad input at the step', () => {
  assert.throws(() => run('desktop-x86-64', '  - fork: { child_pid: 1 }\n'), (e: unknown) => e instanceof InputError && /^misuse\.yaml:4:5: .*pid 1 already exists/.test(e.message));
});
