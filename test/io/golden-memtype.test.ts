/**
 * Fidelity rung 1: every golden trace in ../shared/golden/memtype replays to
 * its .expected bytes. Traces added to that folder are picked up unchanged.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { replayMemtypeTrace } from '../../src/io/trace/memtype-trace.js';
import { SHARED_DIR } from '../shared-dir.js';

const dir = join(SHARED_DIR, 'golden', 'memtype');
const traces = readdirSync(dir)
  .filter((f) => f.endsWith('.trace'))
  .sort();

test('the golden folder holds traces', () => {
  assert.ok(traces.length >= 50, `found only ${traces.length} traces in ${dir}`);
});

for (const name of traces) {
  test(`golden ${name}`, () => {
    const text = readFileSync(join(dir, name), 'utf8');
    const expected = readFileSync(join(dir, name.replace(/\.trace$/, '.expected')), 'utf8');
    const got = replayMemtypeTrace(text, { file: name });
    assert.equal(got, expected);
  });
}
