/**
 * The shared conformance suite: every design runs every scenario of the
 * built-in debate suite (the 10^5-page one is left to the summary test and
 * the bench) and must give a well-formed, schema-valid, deterministic result;
 * a design that cannot run a scenario says why.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Ajv from 'ajv';
import { compareScenario } from '../../src/run/compare.js';
import { DEBATE_SUITE } from '../../src/io/compare/debate-suite.js';
import { compareToJson } from '../../src/io/render/compare-json.js';
import { loadScenarioFile } from '../../src/io/scenario/load.js';
import { selectPolicies } from '../../src/policy/registry.js';
import { REPO_ROOT } from '../shared-dir.js';

const schema = JSON.parse(readFileSync(join(REPO_ROOT, 'schema', 'compare.schema.json'), 'utf8'));
const validate = new (Ajv as unknown as typeof Ajv.default)({ allErrors: true }).compile(schema);
const policies = selectPolicies('all');
const small = DEBATE_SUITE.filter((s) => s.name !== 'scattered-1e5-pages');

for (const s of small) {
  test(`conformance: ${s.name} under every design`, () => {
    const sc = loadScenarioFile(s.yaml, s.name);
    const r = compareScenario(sc, policies);
    assert.equal(r.policies.length, policies.length);
    for (const p of r.policies) {
      assert.ok(['ok', 'fatal', 'skipped', 'not-applicable', 'not-modelled'].includes(p.outcome));
      if (p.outcome !== 'ok') assert.ok(p.reason && p.reason.length > 5, `${p.policy}: ${p.outcome} without a reason`);
      if (p.outcome === 'ok' || p.outcome === 'fatal') assert.equal(p.mappings.length, (sc.report ?? []).length, `${p.policy}: reported mappings`);
      for (const a of p.aliases) assert.ok(a.modes.length >= 2 && (a.to === null || a.from < a.to));
      for (const d of p.changes) assert.notEqual(d.requested, d.installed);
    }
    const json = compareToJson([r]);
    assert.ok(validate(json), JSON.stringify(validate.errors?.slice(0, 3)));
  });
}

test('results do not depend on the order designs run in', () => {
  const sc = loadScenarioFile(DEBATE_SUITE[0]!.yaml, 'x');
  const fwd = compareScenario(sc, policies).policies;
  const rev = compareScenario(sc, [...policies].reverse()).policies.reverse();
  assert.deepEqual(JSON.stringify(rev), JSON.stringify(fwd));
});

test('the reported problem: baseline installs WB for a WC request on highmem, creating a high-severity alias; Christian\u2019s fix installs WC', () => {
  const sc = loadScenarioFile(DEBATE_SUITE.find((s) => s.name === 'ttm-highmem-wc')!.yaml, 'ttm-highmem-wc');
  const [base, fix] = compareScenario(sc, selectPolicies('baseline,insert-honours-prot')).policies;
  const user = (p: typeof base) => p!.mappings.find((m) => m.name === 'user_map')!;
  assert.deepEqual([user(base).requested, user(base).installed, user(base).effective], ['write-combining', 'write-back', 'WB']);
  assert.ok(base!.changes.some((d) => d.class === 'weaker' && d.requested === 'write-combining' && d.installed === 'write-back'));
  assert.ok(base!.aliases.some((a) => a.severity === 'high' && a.modes.join() === 'WC,WB'));
  assert.equal(user(fix).effective, 'WC');
  assert.equal(fix!.changes.length, 0);
  assert.equal(fix!.aliases.length, 0);
});
