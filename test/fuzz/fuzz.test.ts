/** Issue 15's contract on 2 000 mutated inputs per kind (fixed seed): memtype traces, call traces, scenarios, machine files, explore vocabularies, capture bundles; only results or positioned one-line input errors. `npm run fuzz` runs 100 000. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzz, withinBounds } from './contract.js';
import { sharedAvailable } from '../shared-dir.js';

const N = Number(process.env.FUZZ_TEST_CASES ?? 2000);

test('fuzz: a case past the memory or the time bound is a violation, one within both is not', () => {
  const bounds = { seconds: 0.2, bytes: 64 * 2 ** 20 };
  let kept: Buffer | null = null;
  // Touch every byte so the pages count in RSS; 3x the bound is well past whatever RSS slack the heap has.
  // Filling 192 MiB can itself take longer than 0.2 s on a busy machine: this case bounds memory only.
  const big = withinBounds(() => ((kept = Buffer.alloc(3 * bounds.bytes, 1)), { outcome: 'result' }), { ...bounds, seconds: 60 });
  assert.equal(big.outcome, 'violation');
  assert.match(String(big.error), /used \d+ MiB \(the contract allows 64 MiB\)/);
  assert.ok(kept);
  kept = null;
  const slow = withinBounds(() => {
    const end = Date.now() + 300;
    while (Date.now() < end);
    return { outcome: 'result' };
  }, bounds);
  assert.match(String(slow.error), /took 0\.\d s \(the contract allows 0\.2 s\)/);
  assert.deepEqual(withinBounds(() => ({ outcome: 'input-error' }), bounds), { outcome: 'input-error' });
});

test(`fuzz: ${N} mutated memtype traces`, { skip: !sharedAvailable() && '../shared is absent' }, () => {
  const r = fuzz('trace', N, 15);
  assert.equal(r.counts.violation, 0, r.violations.join('\n\n'));
});

test(`fuzz: ${N} mutated scenarios`, () => {
  const r = fuzz('scenario', N, 15);
  assert.equal(r.counts.violation, 0, r.violations.join('\n\n'));
});

for (const kind of ['call-trace', 'machine', 'vocabulary', 'capture'] as const)
  test(`fuzz: ${N} mutated ${{ 'call-trace': 'call traces', machine: 'machine files', vocabulary: 'explore vocabularies', capture: 'capture bundles' }[kind]}`, { skip: kind === 'capture' && !sharedAvailable() && '../shared is absent' }, () => {
    const r = fuzz(kind, N, 15);
    assert.equal(r.counts.violation, 0, r.violations.join('\n\n'));
  });
