/**
 * The design added to show that a design is one file (issue 13 item 1):
 * `set_pages_array_*` record the page flag of highmem pages and skip their
 * CPA; TTM applies its caching to highmem too. Checked against today's kernel
 * on the scenario that started the thread.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CM } from '../../src/hw/cache-mode.js';
import { bootKernel } from '../../src/kernel/kernel.js';
import { setPagesArrayWb, setPagesArrayWc } from '../../src/kernel/mm/set-memory.js';
import { KernelFatal } from '../../src/kernel/fatal.js';
import { loadPreset } from '../../src/io/machine/load-machine.js';
import { DEBATE_SUITE } from '../../src/io/compare/debate-suite.js';
import { loadScenarioFile } from '../../src/io/scenario/load.js';
import { compareScenario } from '../../src/run/compare.js';
import { selectPolicies } from '../../src/policy/registry.js';

const boot = (design?: string) => bootKernel(loadPreset('x86-32-pae-4g'), design ? selectPolicies(design)[0]!.hooks : undefined);

function highmemPage(k: ReturnType<typeof boot>): number {
  const p = k.allocator.allocPages('GFP_HIGHUSER', 0);
  assert.ok(k.pages.isHighMem(p), 'GFP_HIGHUSER gave a highmem page on PAE');
  return p;
}

test('set_pages_array_wc on a highmem page: today it oopses in the pages-mode CPA; the design records WC and changes no page table', () => {
  const today = boot();
  assert.throws(() => setPagesArrayWc(today, [highmemPage(today)]), KernelFatal);
  const k = boot('set-pages-highmem');
  const p = highmemPage(k);
  const lo = k.allocator.allocPages('GFP_KERNEL', 0);
  const cpaBefore = k.counters.cpaCalls;
  assert.equal(setPagesArrayWc(k, [p, lo]), 0);
  assert.equal(k.memtype.pages.get(p), CM.WC);
  assert.equal(k.memtype.pages.get(lo), CM.WC);
  assert.ok(k.counters.cpaCalls > cpaBefore, 'the lowmem page still gets its direct map changed');
  assert.equal(setPagesArrayWb(k, [p, lo]), 0);
  assert.equal(k.memtype.pages.get(p), CM.WB);
  assert.equal(k.memtype.pages.get(lo), CM.WB);
});

test('ttm-highmem-wc: the user mapping gets WC, no alias, no silent change; today it gets WB beside a WC kmap', () => {
  const s = DEBATE_SUITE.find((x) => x.name === 'ttm-highmem-wc')!;
  const c = compareScenario(loadScenarioFile(s.yaml, s.name), selectPolicies('baseline,set-pages-highmem'), { detail: false });
  const [base, design] = c.policies;
  assert.equal(base!.mappings.find((m) => m.name === 'user_map')!.effective, 'WB');
  assert.ok(base!.totals.aliased_pages_high > 0);
  const um = design!.mappings.find((m) => m.name === 'user_map')!;
  assert.equal(um.effective, 'WC');
  assert.equal(design!.totals.aliased_pages, 0);
  assert.equal(design!.totals.changed_pages, 0);
  assert.equal(design!.totals.failed_calls, 0);
});

test('composition: the design changes TTM\u2019s caching, so it cannot compose with ttm-skip-caching, and composes with the insert designs', () => {
  assert.throws(() => selectPolicies('set-pages-highmem+ttm-skip-caching'), /both implement hook ttmCaching/);
  assert.doesNotThrow(() => selectPolicies('set-pages-highmem+insert-honours-prot'));
});
