/**
 * Requests of sizes users plausibly type (datacenter BARs, CXL, typos of a
 * few zeros) get the kernel's answer at once (issue 14): a TTM BO whose page
 * directory exceeds kvmalloc's INT_MAX is -ENOMEM with the kernel's WARN and
 * message; an ioremap larger than physical memory is refused without walking
 * its pages. Outcomes only; speed is measured by npm run bench.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadScenarioFile } from '../../src/io/scenario/load.js';
import { judgeUnderPolicy } from '../../src/run/compare.js';
import { selectPolicies } from '../../src/policy/registry.js';

function run(steps: string): { ret: string | null; messages: string[] }[] {
  const sc = loadScenarioFile(`name: h\nmachine: { preset: desktop-x86-64 }\nsteps:\n${steps}`, 'h.yaml');
  const j = judgeUnderPolicy(sc, selectPolicies('baseline')[0]!, { detail: true });
  assert.ok('timeline' in j);
  return j.result.detail!.steps.map((s) => ({ ret: s.ret, messages: s.messages }));
}

test('a TTM BO of 2^52 bytes or 4 TiB: -ENOMEM, kvmalloc_node WARNs once and TTM prints its message', () => {
  const r = run('  - ttm_device_init: {}\n  - ttm_bo_create: { size: 0x10000000000000, caching: WC }\n  - ttm_bo_create: { size: 4T, caching: WC }\n');
  assert.equal(r[1]!.ret, '-ENOMEM');
  assert.deepEqual(r[1]!.messages, ['WARNING: WARN_ON_ONCE in kvmalloc_node', 'Failed allocating page table']);
  assert.equal(r[2]!.ret, '-ENOMEM');
  assert.deepEqual(r[2]!.messages, ['Failed allocating page table']);
});

test('a TTM BO whose page directory fits is created as before', () => {
  const r = run('  - ttm_device_init: {}\n  - ttm_bo_create: { size: 1G, caching: WC }\n');
  assert.notEqual(r[1]!.ret, '-ENOMEM');
  assert.deepEqual(r[1]!.messages, []);
});

test('ioremap_wt of 2^52 bytes is refused (NULL) with the kernel\u2019s memtype_reserve WARN', () => {
  const r = run('  - ioremap_wt: { phys: 0x100000000000, size: 0x10000000000000 }\n');
  assert.equal(r[0]!.ret, 'NULL');
  assert.ok(r[0]!.messages.some((m) => /memtype_reserve failed/.test(m)), r[0]!.messages.join('\n'));
});
