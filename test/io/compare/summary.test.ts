/**
 * The debate's summary table (spec 06 §4), regenerated from the tool's own
 * measurements of the built-in suite under every design, equals the checked-in
 * table; docs/summary-vs-spec.md explains where it differs from the spec's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compareScenario } from '../../../src/run/compare.js';
import { DEBATE_SUITE } from '../../../src/io/compare/debate-suite.js';
import { summaryText } from '../../../src/run/summary.js';
import { loadScenarioFile } from '../../../src/io/scenario/load.js';
import { selectPolicies } from '../../../src/policy/registry.js';
import { REPO_ROOT } from '../../shared-dir.js';

test('compare --summary reproduces the checked-in measured table', () => {
  const policies = selectPolicies('all');
  const results = DEBATE_SUITE.map((s) => compareScenario(loadScenarioFile(s.yaml, s.name), policies));
  const expected = readFileSync(join(REPO_ROOT, 'test', 'expected', 'summary.txt'), 'utf8');
  assert.equal(summaryText(results), expected);
});

test('every design in the table is explained against spec 06 §4', () => {
  const doc = readFileSync(join(REPO_ROOT, 'docs', 'summary-vs-spec.md'), 'utf8');
  for (const p of ['vm-insert-pages-pgprot', 'registration-rule', 'ram-in-tree', 'set-pages-on-insert', 'ttm-apply-to-page-range', 'insert-honours-prot', 'ttm-skip-caching'])
    assert.ok(doc.includes(`\`${p}\``), `docs/summary-vs-spec.md does not discuss ${p}`);
});

test("a user's own scenarios fill the summary's columns through roles", () => {
  const text = (roles: string): string =>
    `name: my-highmem\nmachine: x86-32-pae-4g\nsteps:\n  - ttm_device_init: {}\n  - ttm_bo_create: { size: 8K, caching: WC }\n    as: bo\n  - ttm_bo_mmap_obj: { bo: bo }\n    as: m\n  - ttm_bo_touch: { addr: m, size: 8K }\nreport: [m]\n${roles}`;
  const policies = selectPolicies('baseline,insert-honours-prot');
  const withRoles = summaryText([compareScenario(loadScenarioFile(text('roles: { request: m, scale: true }\n'), 'my.yaml'), policies)]);
  assert.match(withRoles, /honours request \(my-highmem\)/);
  assert.match(withRoles, /^baseline +\| no \(WB\) /m);
  assert.match(withRoles, /^insert-honours-prot +\| yes /m);
  const without = summaryText([compareScenario(loadScenarioFile(text(''), 'my.yaml'), policies)]);
  assert.match(without, /honours request \(no request role\)/);
  assert.match(without, /^baseline +\| - /m);
});
