/**
 * The test module's calls as scenarios (scenarios/captures/*.yaml): all
 * expectations met, and each scenario's final pat_memtype_list is the
 * bundle's pat_memtype_list.txt.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { KERNEL_DRIVER } from '../../../src/run/driver.js';
import { runScenario } from '../../../src/run/execute.js';
import { loadScenarioFile } from '../../../src/io/scenario/load.js';
import { parsePatMemtypeList, memtypeListLines } from '../../../src/io/capture/pat-memtype-list.js';
import { REPO_ROOT, SHARED_DIR } from '../../shared-dir.js';

const DIR = join(REPO_ROOT, 'scenarios', 'captures');
const files = readdirSync(DIR).filter((f) => f.endsWith('.yaml')).sort();

test('one scenario per module bundle', () => {
  assert.deepEqual(files, ['amd64-1g-debugpat-mtrrdebug.yaml', 'i386pae-2g-cpumax.yaml']);
});

for (const f of files) {
  test(`scenario ${f}: expectations met, final list = the capture's`, () => {
    const path = join(DIR, f);
    const sc = loadScenarioFile(readFileSync(path, 'utf8'), path);
    const o = runScenario(sc, KERNEL_DRIVER);
    assert.deepEqual(o.failures, []);
    const cap = join(SHARED_DIR, 'captures', f.replace(/\.yaml$/, ''), 'pat_memtype_list.txt');
    if (existsSync(cap)) {
      const want = memtypeListLines(parsePatMemtypeList(readFileSync(cap, 'utf8'), cap).value);
      assert.deepEqual(o.final.patMemtypeList?.slice(1), want);
    }
  });
}
