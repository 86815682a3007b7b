/**
 * Every scenario under scenarios/spec04/ (spec 04 §13's worked cases and the
 * §12 legacy ones) must load, run, and meet every `expect:`; each must check
 * something (at least one step expectation), so a file cannot pass vacuously.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { KERNEL_DRIVER } from '../../../src/run/driver.js';
import { runScenario } from '../../../src/run/execute.js';
import { loadScenarioFile } from '../../../src/io/scenario/load.js';
import { REPO_ROOT } from '../../shared-dir.js';

const DIR = join(REPO_ROOT, 'scenarios', 'spec04');
const files = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

test('scenarios/spec04 holds the 12 worked cases of spec 04 §13', () => {
  for (let i = 1; i <= 12; i++) assert.ok(files.some((f) => f.startsWith(`case${String(i).padStart(2, '0')}-`)), `case ${i} missing`);
});

for (const f of files) {
  test(`scenario ${f}`, () => {
    const file = join(DIR, f);
    const sc = loadScenarioFile(readFileSync(file, 'utf8'), file);
    const withExpect = sc.steps.filter((s) => s.expect);
    assert.ok(withExpect.length > 0, `${f}: no step expectation`);
    const out = runScenario(sc, KERNEL_DRIVER);
    const msg = out.failures.map((x) => `${f}:${x.pos.line}:${x.pos.col}: step ${x.step ?? '-'} ${x.what}: expected ${x.expected}, got ${x.actual}`).join('\n');
    assert.equal(out.failures.length, 0, msg);
    const fatalExpected = sc.steps.some((s) => s.expect?.fatal === true);
    if (!fatalExpected) assert.equal(out.fatal, undefined, `${f}: unexpected fatal ${out.fatal?.text}`);
  });
}
