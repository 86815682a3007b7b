/** Issue 15's contract on 2 000 mutated inputs per kind (fixed seed): memtype traces, call traces, scenarios, machine files, explore vocabularies, capture bundles; only results or positioned one-line input errors. `npm run fuzz` runs 100 000. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fuzz } from './contract.js';
import { sharedAvailable } from '../shared-dir.js';

const N = Number(process.env.FUZZ_TEST_CASES ?? 2000);

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
