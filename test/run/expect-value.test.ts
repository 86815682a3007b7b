/**
 * `expect:` accepts every spelling of a cache mode that arguments accept
 * (issue 12 item 6), and still fails on a different mode.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadScenarioFile } from '../../src/io/scenario/load.js';
import { judgeUnderPolicy } from '../../src/run/compare.js';
import { sameExpectedValue } from '../../src/run/expect-value.js';
import { selectPolicies } from '../../src/policy/registry.js';

test('a cache mode matches in every spelling; another mode or another word does not', () => {
  for (const w of ['WC', 'wc', 'write-combining', 'Write-Combining']) assert.ok(sameExpectedValue(w, 'write-combining'), w);
  assert.ok(sameExpectedValue('UC-', 'uncached-minus'));
  assert.ok(!sameExpectedValue('UC', 'uncached-minus'));
  assert.ok(sameExpectedValue('WC', 'ttm_write_combined'));
  assert.ok(sameExpectedValue('UC-', 'ttm_uncached') && sameExpectedValue('UC', 'ttm_uncached'));
  assert.ok(!sameExpectedValue('WB', 'ttm_write_combined'));
  assert.ok(!sameExpectedValue('ttm_cached', 'ttm_write_combined'));
  assert.ok(!sameExpectedValue('yes', 'no'));
  assert.ok(sameExpectedValue(16, '16') && sameExpectedValue(16, '0x10') && !sameExpectedValue(16, '17'));
});

function failures(expectType: string): number {
  const sc = loadScenarioFile(
    `name: e\nmachine: { preset: desktop-x86-64 }\nsteps:\n  - memtype_reserve: { start: 0xd0000000, end: 0xd0001000, type: WC }\n    expect: { ret: 0, new_type: ${expectType} }\n`,
    'e.yaml',
  );
  const j = judgeUnderPolicy(sc, selectPolicies('baseline')[0]!);
  assert.ok('timeline' in j, 'the run completed');
  return j.outcome.failures.length;
}

test('a scenario step expecting WC, wc or write-combining passes; expecting UC- fails', () => {
  assert.equal(failures('WC'), 0);
  assert.equal(failures('wc'), 0);
  assert.equal(failures('write-combining'), 0);
  assert.equal(failures('UC-'), 1);
});
