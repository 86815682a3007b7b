/**
 * The call table is one table (issue 13 item 2): every call, the kernel's and
 * the designs', is made by defineCall, names are unique kernel-style names,
 * and the ArgSpecs the parser and the executor read are the declaration's.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { argSpecs } from '../../src/calls/define.js';
import { POLICIES } from '../../src/policy/registry.js';
import { CALL_LIST, CALLS } from '../../src/run/driver.js';

test('every call has a unique kernel-style name and a doc', () => {
  assert.equal(CALLS.size, CALL_LIST.length, 'a name defined twice');
  for (const c of CALL_LIST) {
    assert.match(c.name, /^[a-z_][a-z0-9_]*$/, c.name);
    assert.ok(c.doc.length > 0, `${c.name} has no doc`);
  }
});

test("every call's ArgSpecs are its declaration, in order", () => {
  for (const c of CALL_LIST) {
    assert.deepEqual(c.args, argSpecs(c.decl), c.name);
    for (const a of c.args) if (a.kind === 'flags') assert.ok(a.flags, `${c.name}.${a.name}: flags without names`);
  }
});

test("the designs' calls are in the table, declared, and available only under their design", () => {
  const own = POLICIES.flatMap((p) => (p.calls ?? []).map((c) => ({ design: p.name, c })));
  assert.ok(own.length > 0);
  for (const { design, c } of own) {
    assert.equal(CALLS.get(c.name), c, `${c.name} of ${design}`);
    assert.ok(c.decl, `${c.name} of ${design} is not made by defineCall`);
    assert.ok(c.available, `${c.name} of ${design} has no availability`);
  }
});
