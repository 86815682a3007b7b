/** The policy registry: every design is one file behind one interface; compositions merge or are refused with a reason. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASELINE_HOOKS } from '../../src/kernel/hooks.js';
import { compose, NOTABLE_COMPOSITIONS, POLICIES, policyByName, PolicyError, selectPolicies } from '../../src/policy/registry.js';

test('every policy has a unique name, a title, a spec reference and only known hooks', () => {
  const names = new Set<string>();
  for (const p of POLICIES) {
    assert.ok(!names.has(p.name), p.name);
    names.add(p.name);
    assert.ok(p.title.length > 10 && p.spec.startsWith('06'));
    for (const key of Object.keys(p.hooks)) assert.ok(key in BASELINE_HOOKS, `${p.name}: unknown hook ${key}`);
  }
  assert.equal(POLICIES[0]!.name, 'baseline');
  assert.deepEqual(POLICIES[0]!.hooks, {});
});

test('a composition merges hook settings; baseline stays today', () => {
  const c = compose([policyByName('registration-rule')!, policyByName('ram-in-tree')!]);
  assert.equal(c.name, 'registration-rule+ram-in-tree');
  assert.equal(c.hooks.registrationRule, true);
  assert.equal(c.hooks.ramInTree, true);
  assert.equal(c.hooks.insertHonoursProt, false);
  assert.deepEqual(compose([policyByName('baseline')!]).hooks, BASELINE_HOOKS);
});

test('designs that replace the same insert cannot compose, with the reason', () => {
  assert.throws(() => selectPolicies('vm-insert-pages-pgprot+pages-into-pfnmap'), (e: unknown) => e instanceof PolicyError && /cannot be combined: both replace the TTM fault insert/.test(e.message));
  assert.throws(() => selectPolicies('ram-pfn-api+ttm-apply-to-page-range'), PolicyError);
});

test('unknown names are refused with a suggestion; all = every design plus the notable compositions', () => {
  assert.throws(
    () => selectPolicies('insert-honors-prot', (w, c) => (c.includes('insert-honours-prot') && w.startsWith('insert') ? " (did you mean 'insert-honours-prot'?)" : '')),
    /unknown policy 'insert-honors-prot' \(did you mean 'insert-honours-prot'\?\)/,
  );
  const all = selectPolicies('all');
  assert.equal(all.length, POLICIES.length + NOTABLE_COMPOSITIONS.length);
  assert.deepEqual(
    all.slice(POLICIES.length).map((p) => p.name),
    [...NOTABLE_COMPOSITIONS],
  );
  assert.throws(() => selectPolicies(' , '), /no policy selected/);
});
