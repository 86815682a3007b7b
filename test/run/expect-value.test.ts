/**
 * `expect:` compares a step's typed output with what the scenario wrote read
 * as that type (issue 12 item 6, issue 13 item 2): a cache mode in every
 * spelling arguments accept, an address in hex or decimal; a different mode
 * or number fails, and the failure shows the output as `patlab run` does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CM } from '../../src/hw/cache-mode.js';
import { TTM_CACHING } from '../../src/kernel/drivers/ttm/caching.js';
import { VM_FAULT_NOPAGE } from '../../src/kernel/vm/fault.js';
import { VM_IO, VM_PFNMAP } from '../../src/kernel/vm/flags.js';
import { loadScenarioFile } from '../../src/io/scenario/load.js';
import { runToText } from '../../src/io/render/run-text.js';
import { runToJson } from '../../src/io/render/run-json.js';
import { judgeUnderPolicy } from '../../src/run/compare.js';
import { sameExpectedValue } from '../../src/run/expect-value.js';
import { selectPolicies } from '../../src/policy/registry.js';

test('a cache mode matches in every spelling; another mode or another word does not', () => {
  for (const w of ['WC', 'wc', 'write-combining', 'Write-Combining']) assert.ok(sameExpectedValue(w, { mode: CM.WC }), w);
  assert.ok(sameExpectedValue('UC-', { mode: CM.UC_MINUS }));
  assert.ok(!sameExpectedValue('UC', { mode: CM.UC_MINUS }));
  assert.ok(!sameExpectedValue(1, { mode: CM.WC }), 'the number of a mode is not a spelling of it');
  assert.ok(sameExpectedValue('-', { mode: null }) && !sameExpectedValue('WB', { mode: null }));
  assert.ok(sameExpectedValue('none', { noPte: true }) && !sameExpectedValue('WB', { noPte: true }));
  assert.ok(sameExpectedValue('WC', { caching: TTM_CACHING.write_combined }));
  assert.ok(sameExpectedValue('UC-', { caching: TTM_CACHING.uncached }) && sameExpectedValue('UC', { caching: TTM_CACHING.uncached }));
  assert.ok(!sameExpectedValue('WB', { caching: TTM_CACHING.write_combined }));
  assert.ok(sameExpectedValue('ttm_cached', { caching: TTM_CACHING.cached }) && !sameExpectedValue('ttm_cached', { caching: TTM_CACHING.write_combined }));
  assert.ok(!sameExpectedValue('yes', 'no'));
  assert.ok(sameExpectedValue(16, 16) && sameExpectedValue(16, '16') && !sameExpectedValue(16, 17));
});

test('an address or pfn matches the same number in hex or decimal, a 64-bit kernel address included', () => {
  for (const w of [16, '16', '0x10', '0X10']) assert.ok(sameExpectedValue(w, { addr: 16 }), String(w));
  assert.ok(!sameExpectedValue(17, { addr: 16 }) && !sameExpectedValue('0x11', { addr: 16 }) && !sameExpectedValue('sixteen', { addr: 16 }));
  const va = 0xffff888000001000n;
  assert.ok(sameExpectedValue('0xffff888000001000', { addr: va }));
  assert.ok(!sameExpectedValue('0xffff888000002000', { addr: va }));
  // A YAML number that large is a double: it matches the address read in that precision.
  assert.ok(sameExpectedValue(Number(va), { addr: va }));
});

test('fault codes, VMA flags and ioremap results match the kernel names', () => {
  assert.ok(sameExpectedValue('VM_FAULT_NOPAGE', { fault: VM_FAULT_NOPAGE }) && !sameExpectedValue('VM_FAULT_SIGBUS', { fault: VM_FAULT_NOPAGE }));
  assert.ok(sameExpectedValue('VM_PFNMAP|VM_IO', { vmFlags: VM_PFNMAP | VM_IO }) && !sameExpectedValue('VM_IO', { vmFlags: VM_PFNMAP | VM_IO }));
  const same = { vaddr: 0x1000, pcm: CM.WC, requested: CM.WC, phys: 0, size: 0x1000 } as const;
  const other = { ...same, pcm: CM.WB } as const;
  assert.ok(sameExpectedValue('WC', { ioremap: same }) && sameExpectedValue('write-combining', { ioremap: same }));
  assert.ok(sameExpectedValue('write-back (requested write-combining)', { ioremap: other }) && !sameExpectedValue('WB', { ioremap: other }));
});

const MACHINE = 'machine: { preset: desktop-x86-64 }\n';

function judged(steps: string) {
  const sc = loadScenarioFile(`name: e\n${MACHINE}steps:\n${steps}`, 'e.yaml');
  const j = judgeUnderPolicy(sc, selectPolicies('baseline')[0]!);
  assert.ok('timeline' in j, 'the run completed');
  return j.outcome;
}

function failures(expectType: string): number {
  return judged(`  - memtype_reserve: { start: 0xd0000000, end: 0xd0001000, type: WC }\n    expect: { ret: 0, new_type: ${expectType} }\n`).failures.length;
}

test('a scenario step expecting WC, wc or write-combining passes; expecting UC- fails', () => {
  assert.equal(failures('WC'), 0);
  assert.equal(failures('wc'), 0);
  assert.equal(failures('write-combining'), 0);
  assert.equal(failures('UC-'), 1);
});

test('a pfn expected in decimal passes; a wrong mode and a wrong pfn fail, the message showing the output as run shows it', () => {
  // lookup_address of the direct-map page of pfn 0x100 (1 MiB): a 2 MiB leaf or a 4K one, write-back either way.
  const step = (ex: string): string => `  - alloc_pages: { gfp: GFP_KERNEL, pfn: 0x100 }\n    as: p\n  - lookup_address: { addr: p }\n    expect: { ${ex} }\n`;
  assert.deepEqual(judged(step('pfn: 256, type: WB')).failures, []);
  assert.deepEqual(judged(step('pfn: 0x100, type: write-back')).failures, []);
  const o = judged(step('pfn: 257, type: WC'));
  assert.deepEqual(
    o.failures.map((f) => [f.what, f.expected]),
    [
      ['pfn', '257'],
      ['type', 'WC'],
    ],
  );
  const text = runToText(o);
  assert.match(text, /step 2 pfn: expected 257, got 0x100$/m);
  assert.match(text, /step 2 type: expected WC, got write-back$/m);
  const json = runToJson(o) as { failures: { what: string; actual: string }[] };
  assert.deepEqual(
    json.failures.map((f) => [f.what, f.actual]),
    [
      ['pfn', '0x100'],
      ['type', 'write-back'],
    ],
  );
});

test('expecting ret of an insert that returns a vm_fault_t says to expect fault: instead; expecting its fault passes', () => {
  const step = (ex: string): string =>
    `  - alloc_pages: { gfp: GFP_KERNEL }\n    as: p\n  - mmap: { size: 4096, flags: VM_PFNMAP }\n    as: m\n  - vmf_insert_pfn_prot: { addr: m, pfn: p.0, prot: WC }\n    expect: { ${ex} }\n`;
  assert.deepEqual(judged(step('fault: VM_FAULT_NOPAGE')).failures, []);
  const [f, ...more] = judged(step('ret: 0')).failures;
  assert.equal(more.length, 0);
  assert.equal(f!.what, 'ret');
  assert.equal(f!.actual, '(no return value: vmf_insert_pfn_prot returns a vm_fault_t; expect fault: instead)');
  // A call with neither a return value nor a fault keeps the plain wording.
  const [g] = judged('  - lookup_memtype: { addr: 0x1000 }\n    expect: { ret: 0 }\n').failures;
  assert.equal(g!.actual, '(no return value)');
});
