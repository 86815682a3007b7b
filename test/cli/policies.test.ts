/** `patlab policies`: every design with the thread's name for it, a title, its real hook settings, and conflicts that compose() refuses. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { compose, describeAll, describePolicy, NOTABLE_COMPOSITIONS, POLICIES, PolicyError } from '../../src/policy/registry.js';
import { REPO_ROOT } from '../shared-dir.js';

const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

test('every registered design and notable composition is described with its own hooks', () => {
  const ds = describeAll();
  assert.deepEqual(
    ds.map((d) => d.name),
    [...POLICIES.map((p) => p.name), ...NOTABLE_COMPOSITIONS],
  );
  for (const p of POLICIES) {
    const d = describePolicy(p.name)!;
    assert.ok(d.standsFor.length > 2 && d.title.length > 10, p.name);
    assert.deepEqual(d.hooks, Object.keys(p.hooks));
    assert.deepEqual(d.calls, (p.calls ?? []).map((c) => c.name));
  }
  assert.equal(describePolicy('no-such-design'), null);
});

test("the conflicts listed are exactly the pairs compose() refuses (a shared hook or a declaration)", () => {
  for (const p of POLICIES) {
    const listed = new Set(describePolicy(p.name)!.conflicts.map((c) => c.with));
    for (const q of POLICIES) {
      if (q === p) continue;
      let refused = false;
      try {
        compose([p, q]);
      } catch (e) {
        if (!(e instanceof PolicyError)) throw e;
        refused = /cannot be combined/.test(e.message);
      }
      assert.equal(listed.has(q.name), refused, `${p.name} + ${q.name}`);
    }
  }
});

test('patlab policies and compare --policies list print the same list; JSON has every design', () => {
  const a = spawnSync(process.execPath, [CLI, 'policies'], { encoding: 'utf8' });
  const b = spawnSync(process.execPath, [CLI, 'compare', '--policies', 'list'], { encoding: 'utf8' });
  assert.equal(a.status, 0, a.stderr);
  assert.equal(a.stdout, b.stdout);
  assert.match(a.stdout, /^vm-insert-pages-pgprot \(option 1; /m);
  assert.ok(a.stdout.split('\n').every((l) => l.length <= 100));
  const j = JSON.parse(spawnSync(process.execPath, [CLI, 'policies', '--format', 'json'], { encoding: 'utf8' }).stdout);
  assert.equal(j.policies.length, POLICIES.length + NOTABLE_COMPOSITIONS.length);
  const bad = spawnSync(process.execPath, [CLI, 'policies', '--format', 'yaml'], { encoding: 'utf8' });
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /^<command line>:1:1: unknown format 'yaml'/);
});
