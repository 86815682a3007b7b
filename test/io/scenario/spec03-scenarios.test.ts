/**
 * Every scenario under scenarios/spec03/ is a test of spec 03's examples:
 * it must load, run to its end (or its expected fatal step) and meet every
 * `expect:`. A scenario whose expectations would all be vacuous is refused,
 * so a file cannot pass by checking nothing.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { KERNEL_DRIVER } from '../../../src/run/driver.js';
import { runScenario } from '../../../src/run/execute.js';
import { loadScenarioFile } from '../../../src/io/scenario/load.js';
import { REPO_ROOT } from '../../shared-dir.js';

const DIR = join(REPO_ROOT, 'scenarios', 'spec03');
const FILES = readdirSync(DIR)
  .filter((f) => f.endsWith('.yaml'))
  .sort();

test('scenarios/spec03 holds the spec 03 examples', () => {
  // The §1.4 DirectMap lines of all six presets, the §3 cost examples, §2.4, §4.3, §4.4, §4.6, §5.
  assert.ok(FILES.length >= 20, `only ${FILES.length} files`);
  for (const prefix of ['boot-', 'cost-', 'or-semantics', 'ioremap-outcomes', 'ioremap-nopat', 'iounmap-', 'highmem-', 'ioremap-huge', 'memremap', 'io-mapping'])
    assert.ok(FILES.some((f) => f.startsWith(prefix)), `no scenario named ${prefix}*`);
});

for (const f of FILES) {
  test(`scenario ${f}`, () => {
    const path = join(DIR, f);
    const sc = loadScenarioFile(readFileSync(path, 'utf8'), path);
    const checks = sc.steps.filter((s) => s.expect).length + (sc.expect ? 1 : 0);
    assert.ok(checks > 0, `${f} expects nothing`);
    const o = runScenario(sc, KERNEL_DRIVER);
    const report = o.failures.map((x) => `${f}:${x.pos.line}:${x.pos.col}: ${x.step ? `step ${x.step} ` : ''}${x.what}: expected ${x.expected}, got ${x.actual}`);
    assert.deepEqual(report, []);
    // A fatal outcome is only acceptable where the scenario says so.
    if (o.fatal) assert.equal(sc.steps.find((s) => s.index === o.fatal!.step)?.expect?.fatal, true, `${f}: unexpected fatal at step ${o.fatal.step}`);
  });
}
