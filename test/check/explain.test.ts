/**
 * `explain`'s chains (check/explain.ts) on hand-checked scenarios: the
 * kernel's recorded decisions, then PTE bits → PAT → MTRR → effective type.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { explainRuns, liveMappingsOfPfn, mappingsInRange, type ExplainedMapping } from '../../src/check/explain.js';
import type { Kernel } from '../../src/kernel/kernel.js';
import { DEBATE_SUITE } from '../../src/io/compare/debate-suite.js';
import { KERNEL_DRIVER } from '../../src/run/driver.js';
import { runScenario } from '../../src/run/execute.js';
import { loadScenarioFile } from '../../src/io/scenario/load.js';
import { selectPolicies } from '../../src/policy/registry.js';

function run(yaml: string, policy = 'baseline', untilStep?: number) {
  const sc = loadScenarioFile(yaml, 'test.yaml');
  return runScenario(sc, KERNEL_DRIVER, {
    hooks: selectPolicies(policy)[0]!.hooks,
    ...(untilStep !== undefined ? { untilStep } : {}),
    onStep: (k, s) => {
      if (s === 0) k.log.chain = [];
    },
  });
}

function explainHandle(k: Kernel, handles: Map<string, unknown>, name: string): ExplainedMapping[] {
  const h = handles.get(name) as { kind: 'mapping'; vaddr: number; size: number; phys?: number };
  assert.equal(h.kind, 'mapping');
  return explainRuns(k, mappingsInRange(k, h.vaddr, h.size, h.phys), { vaddr: h.vaddr, size: h.size });
}

const link = (m: ExplainedMapping, fn: string) => m.links.find((l) => l.fn.includes(fn));
const TTM_HIGHMEM = DEBATE_SUITE.find((s) => s.name === 'ttm-highmem-wc')!.yaml;

test('TTM WC fault on 32-bit highmem, today: the page flag (never set) makes it WB', () => {
  const o = run(TTM_HIGHMEM);
  const ms = explainHandle(o.kernel, o.handles, 'user_map');
  assert.equal(ms.length, 16);
  const m = ms[0]!;
  assert.equal(m.kind, 'user');
  assert.deepEqual(link(m, 'ttm_io_prot')?.result, 'prot WC');
  const lookup = link(m, 'lookup_memtype')!;
  assert.match(lookup.read, /RAM page flag$/);
  assert.equal(lookup.result, 'WB');
  assert.match(link(m, 'page flag history')!.result, /^never set since boot: WB/);
  assert.equal(link(m, 'PTE')!.result, 'PWT=0 PCD=0 PAT=0');
  assert.equal(link(m, 'PAT index')!.result, '0');
  assert.equal(link(m, 'effective type')!.result, 'WB');
  assert.equal(m.effective, 'WB');
  // The kmap_local alias of the same page is WC: both are live mappings of the pfn.
  const all = explainRuns(o.kernel, liveMappingsOfPfn(o.kernel, m.pfn)).filter((x) => x.pfn === m.pfn);
  assert.deepEqual(all.map((x) => `${x.kind} ${x.effective}`).sort(), ['kmap WC', 'user WB']);
});

test('TTM WC fault on 32-bit highmem with insert-honours-prot: the lookup is skipped, WC', () => {
  const o = run(TTM_HIGHMEM, 'insert-honours-prot');
  const m = explainHandle(o.kernel, o.handles, 'user_map')[0]!;
  assert.match(link(m, '[design insert-honours-prot]')!.result, /pfnmap_setup_cachemode_pfn skipped/);
  assert.equal(link(m, 'lookup_memtype'), undefined);
  assert.equal(m.effective, 'WC');
});

test('ioremap_wc of a BAR: memtype_reserve grants WC, the PAT entry WC beats the MTRR UC', () => {
  const o = run(`name: bar
machine: desktop-x86-64
steps:
  - ioremap_wc: { phys: 0xde000000, size: 0x2000 }
    as: bar
`);
  const ms = explainHandle(o.kernel, o.handles, 'bar');
  assert.equal(ms.length, 2);
  const m = ms[0]!;
  assert.equal(m.kind, 'ioremap');
  assert.equal(m.pfn, 0xde000);
  const r = link(m, 'memtype_reserve')!;
  assert.match(r.read, /^req WC for \[mem 0xde000000-0xde001fff\]$/);
  assert.equal(r.result, 'got WC');
  assert.equal(link(m, 'MTRR type')!.result, 'UC');
  assert.equal(m.effective, 'WC');
});

const LOWMEM_WC = `name: lowmem
machine: x86-32-pae-4g
steps:
  - alloc_pages: { gfp: GFP_KERNEL }
    as: p
  - set_pages_array_wc: { pages: p }
  - mmap: { size: 4096, flags: VM_PFNMAP|VM_IO }
    as: m
  - vmf_insert_pfn_prot: { addr: m, pfn: p.0, prot: WC }
`;

test('a lowmem page after set_pages_array_wc: the page flag says WC, and the direct map was changed by CPA', () => {
  const o = run(LOWMEM_WC);
  const m = explainHandle(o.kernel, o.handles, 'm')[0]!;
  assert.equal(link(m, 'lookup_memtype')!.result, 'WC');
  assert.equal(link(m, 'page flag history')!.result, 'last set to WC at step 2');
  assert.equal(m.effective, 'WC');
  const direct = explainRuns(o.kernel, liveMappingsOfPfn(o.kernel, m.pfn)).find((x) => x.kind === 'direct')!;
  assert.deepEqual(direct.links.slice(0, 2).map((l) => l.fn), ['init_memory_mapping', 'set_pages_array_wc -> change_page_attr_set_clr']);
  assert.equal(direct.effective, 'WC');
});

test('stopping at a step shows the state then: before set_pages_array_wc the direct map is boot WB', () => {
  const o = run(LOWMEM_WC, 'baseline', 1);
  assert.equal(o.steps.length, 1);
  const pfn = (o.handles.get('p') as { pfns: number[] }).pfns[0]!;
  const ms = explainRuns(o.kernel, liveMappingsOfPfn(o.kernel, pfn));
  assert.deepEqual(ms.map((x) => x.kind), ['direct']);
  assert.deepEqual(ms[0]!.links[0], { fn: 'init_memory_mapping', read: 'boot', result: 'WB' });
  assert.equal(ms[0]!.effective, 'WB');
});

test('without explain the decision log is off: map events carry no chain', () => {
  const sc = loadScenarioFile(LOWMEM_WC, 'test.yaml');
  const o = runScenario(sc, KERNEL_DRIVER);
  const maps = o.kernel.log.events.filter((e) => e.kind === 'map');
  assert.ok(maps.length > 0);
  for (const e of maps) assert.equal('chain' in e, false);
});
