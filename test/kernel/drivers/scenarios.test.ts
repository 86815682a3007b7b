import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { KERNEL_DRIVER } from '../../../src/run/driver.js';
import { runScenario } from '../../../src/run/execute.js';
import { loadScenarioFile } from '../../../src/io/scenario/load.js';
import { REPO_ROOT } from '../../shared-dir.js';

const DIR = join(REPO_ROOT, 'scenarios', 'drivers');

for (const f of readdirSync(DIR).filter((n) => n.endsWith('.yaml')).sort()) {
  test(`scenarios/drivers/${f}: every expectation holds`, () => {
    const file = join(DIR, f);
    const sc = loadScenarioFile(readFileSync(file, 'utf8'), file);
    const o = runScenario(sc, KERNEL_DRIVER);
    const msg = o.failures.map((x) => `${f}:${x.pos.line}: step ${x.step ?? '-'} ${x.what}: expected ${x.expected}, got ${x.actual}`).join('\n');
    assert.equal(o.failures.length, 0, msg);
  });
}
