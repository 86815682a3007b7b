/** docs/checks.md §4 `use-after-free`: a mapping or hold made on a page after __free_pages gave it back is a hazard (the kernel allows it silently). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadScenarioFile } from '../../src/io/scenario/load.js';
import { selectPolicies } from '../../src/policy/registry.js';
import { runUnderPolicy } from '../../src/run/compare.js';

const run = (steps: string) => runUnderPolicy(loadScenarioFile(`name: uaf\nmachine: small-686-pae\nsteps:\n${steps}`, 'uaf.yaml'), selectPolicies('baseline')[0]!, { detail: false });

test('a kmap and a user PTE of a freed page are use-after-free hazards; the same calls on a live page are not', () => {
  const alloc = '  - alloc_pages: { gfp: GFP_HIGHUSER }\n    as: p\n  - mmap: { size: 4096, flags: VM_PFNMAP|VM_IO }\n    as: m\n';
  const use = '  - kmap_local_page: { page: p.0 }\n    as: k\n  - vmf_insert_pfn_prot: { addr: m, pfn: p.0, prot: WC }\n';
  const live = run(alloc + use);
  assert.equal(live.totals.hazard_pages, 0);
  const freed = run(alloc + '  - __free_pages: { pages: p }\n' + use);
  const uaf = freed.hazards.filter((h) => h.kind === 'use-after-free');
  assert.deepEqual(uaf.map((h) => [h.step, h.npages]), [[4, 1], [5, 1]]);
  assert.match(uaf[0]!.detail, /kmap_local maps \(kmap_local\) a page that was freed/);
  assert.equal(freed.totals.hazard_pages, 1, 'one page, counted once');
});

test('a page freed while mapped is released-while-held, not also a use after free at later steps', () => {
  const r = run('  - alloc_pages: { gfp: GFP_KERNEL }\n    as: p\n  - mmap: { size: 8192, flags: VM_PFNMAP|VM_IO }\n    as: m\n  - vmf_insert_pfn_prot: { addr: m, pfn: p.0, prot: WC }\n  - __free_pages: { pages: p }\n  - alloc_pages: { gfp: GFP_KERNEL }\n    as: q\n  - vmf_insert_pfn_prot: { addr: m+0x1000, pfn: q.0, prot: WC }\n');
  assert.deepEqual([...new Set(r.hazards.map((h) => h.kind))], ['released-while-held']);
});

test("a second process-local mapping of a freed page is a new use whichever of the process's VMAs comes first", () => {
  // Two VMAs of one process: the first (at the higher address) keeps the page mapped across __free_pages; the second maps it anew.
  const two = (first: string, second: string): number[] =>
    run(`  - alloc_pages: { gfp: GFP_KERNEL }\n    as: p\n  - mmap: { size: 8192, flags: VM_PFNMAP|VM_IO }\n    as: a\n  - mmap: { size: 8192, flags: VM_PFNMAP|VM_IO }\n    as: b\n  - vmf_insert_pfn_prot: { addr: ${first}, pfn: p.0, prot: WC }\n  - __free_pages: { pages: p }\n  - vmf_insert_pfn_prot: { addr: ${second}, pfn: p.0, prot: WC }\n`)
      .hazards.filter((h) => h.kind === 'use-after-free')
      .map((h) => h.step);
  assert.deepEqual(two('a', 'b'), [6]);
  assert.deepEqual(two('b', 'a'), [6]);
});
