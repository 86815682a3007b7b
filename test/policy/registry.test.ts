/** The policy registry: every design is one file behind one interface; compositions merge or are refused with a reason. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BASELINE_HOOKS, HOOK_POINTS } from '../../src/kernel/hooks.js';
import { compose, NOTABLE_COMPOSITIONS, POLICIES, policyByName, PolicyError, selectPolicies } from '../../src/policy/registry.js';

test('every policy has a unique name, a title, a spec reference and only known hooks', () => {
  const names = new Set<string>();
  for (const p of POLICIES) {
    assert.ok(!names.has(p.name), p.name);
    names.add(p.name);
    assert.ok(p.title.length > 10 && p.spec.startsWith('06'));
    for (const key of Object.keys(p.hooks)) assert.ok(key in HOOK_POINTS, `${p.name}: unknown hook ${key}`);
  }
  assert.equal(POLICIES[0]!.name, 'baseline');
  assert.deepEqual(POLICIES[0]!.hooks, {});
});

test('a composition carries each part\u2019s hook implementations; baseline stays today', () => {
  const rr = policyByName('registration-rule')!;
  const rt = policyByName('ram-in-tree')!;
  const c = compose([rr, rt]);
  assert.equal(c.name, 'registration-rule+ram-in-tree');
  assert.equal(c.hooks.pfnmapSetupCachemode, rr.hooks.pfnmapSetupCachemode);
  assert.equal(c.hooks.ramMemtypeStore, 'tree');
  assert.equal(c.hooks.vmfInsertPfnCachemode, undefined);
  assert.deepEqual(compose([policyByName('baseline')!]).hooks, BASELINE_HOOKS);
  // The debug checks two designs share are one implementation: they compose.
  assert.doesNotThrow(() => selectPolicies('insert-honours-prot+ram-pfn-api'));
});

test('designs that implement the same hook cannot compose, and the refusal names the hook', () => {
  assert.throws(() => selectPolicies('vm-insert-pages-pgprot+pages-into-pfnmap'), (e: unknown) => e instanceof PolicyError && /cannot be combined: both implement hook ttmFaultInsert/.test(e.message));
  assert.throws(() => selectPolicies('ram-pfn-api+ttm-apply-to-page-range'), PolicyError);
  assert.throws(() => selectPolicies('insert-honours-prot+set-pages-on-insert'), /vmfInsertPfnCachemode/);
  // Property: two designs compose exactly when no hook is implemented differently by both.
  for (const p of POLICIES)
    for (const q of POLICIES) {
      if (p === q) continue;
      const clash = Object.keys(p.hooks).some((k) => k in q.hooks && (q.hooks as Record<string, unknown>)[k] !== (p.hooks as Record<string, unknown>)[k]);
      let refused = false;
      try {
        compose([p, q]);
      } catch (e) {
        if (!(e instanceof PolicyError)) throw e;
        refused = true;
      }
      assert.equal(refused, clash || Boolean(p.conflicts?.[q.name] ?? q.conflicts?.[p.name]), `${p.name}+${q.name}`);
    }
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
