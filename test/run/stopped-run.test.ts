/**
 * A design under which an earlier call returns nothing stops the scenario as its own result: the other designs still run.
 * A step the run never reached (after a fatal outcome or a stop) has its expectation reported as not reached.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { loadScenarioFile } from '../../src/io/scenario/load.js';
import { compareScenario } from '../../src/run/compare.js';
import { KERNEL_DRIVER } from '../../src/run/driver.js';
import { runScenario } from '../../src/run/execute.js';
import { runToText } from '../../src/io/render/run-text.js';
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

test('an expectation on a step after a fatal one is reported as not reached, not as met', () => {
  const text = [
    'name: after-fatal',
    'machine: small-686-pae',
    'steps:',
    '  - alloc_pages: { gfp: GFP_HIGHUSER }',
    '    as: page',
    '  - set_pages_array_wc: { pages: page }',
    '  - mmap: { size: 4096, flags: VM_PFNMAP }',
    '    as: m',
    '  - vmf_insert_pfn_prot: { addr: m, pfn: page.0, prot: WC }',
    '    expect: { ret: 0, type: WC }',
    '',
  ].join('\n');
  const o = runScenario(loadScenarioFile(text, 'after-fatal.yaml'), KERNEL_DRIVER);
  assert.equal(o.fatal?.step, 2, 'set_pages_array_wc of a highmem page oopses today');
  assert.equal(o.failures.length, 1);
  assert.equal(o.failures[0]!.step, 4);
  assert.match(String(o.failures[0]!.actual), /^not reached: the run ended at step 2 \(a fatal kernel outcome\)$/);
  assert.match(runToText(o), /expectations: 1 FAILED\n {2}after-fatal\.yaml:10:13: step 4 outcome: expected the step runs, got not reached/);
  // Without the expectation on step 4 the same run has nothing to report.
  const none = runScenario(loadScenarioFile(text.replace('    expect: { ret: 0, type: WC }\n', ''), 'after-fatal.yaml'), KERNEL_DRIVER);
  assert.equal(none.failures.length, 0);
});
