/** A billion-laughs machine file is refused fast, at an alias, by the total alias budget (issue 15). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadScenarioFile } from '../../../src/io/scenario/load.js';
import { InputError } from '../../../src/run/input-error.js';

function laughs(indent: string): string {
  const out = [`${indent}x0: &a0 [1,1,1,1,1,1,1,1,1,1]`];
  for (let i = 1; i < 10; i++) out.push(`${indent}x${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(',')}]`);
  return out.join('\n');
}

test('nested aliases in an inline machine: block stop at the budget with a position, in well under a second', () => {
  const t0 = Date.now();
  assert.throws(
    () => loadScenarioFile(`name: lol\nmachine:\n  arch: x86-64\n${laughs('  ')}\nsteps: []\n`, 'lol.yaml'),
    (e: unknown) => e instanceof InputError && /^lol\.yaml:\d+:\d+: aliases expand to more than 10000 nodes/.test(e.message),
  );
  assert.ok(Date.now() - t0 < 1000);
});
