/** A design under which an earlier call returns nothing stops the scenario as its own result: the other designs still run. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadScenarioFile } from '../../src/io/scenario/load.js';
import { compareScenario } from '../../src/run/compare.js';
import { selectPolicies } from '../../src/policy/registry.js';
import { REPO_ROOT } from '../shared-dir.js';

test('option 1 makes KVM\u2019s hva_to_pfn fail, so the step using its handle stops that run only', () => {
  const file = join(REPO_ROOT, 'scenarios', 'drivers', 'kvm-ttm-6.1-refcount.yaml');
  const c = compareScenario(loadScenarioFile(readFileSync(file, 'utf8'), file), selectPolicies('baseline,vm-insert-pages-pgprot'), { detail: false });
  const [base, opt1] = c.policies;
  assert.equal(base!.errors.filter((e) => e.what.startsWith('not run')).length, 0);
  const stop = opt1!.errors.find((e) => e.what.startsWith('not run'));
  assert.ok(stop, JSON.stringify(opt1!.errors));
  assert.match(stop.what, /'head' has no value \(step \d+, hva_to_pfn, returned none under this design\)/);
  assert.equal(opt1!.outcome, 'ok');
});
