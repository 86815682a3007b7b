/** Number forms of machine files and the did-you-mean helper. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from '../../fc.js';
import { closest, editDistance } from '../../../src/io/did-you-mean.js';
import { parseNumber } from '../../../src/io/numbers.js';
import { hex } from '../../../src/hw/hex.js';

test('sizes and hex', () => {
  assert.deepEqual(parseNumber('4G'), { ok: true, value: 4 * 2 ** 30 });
  assert.deepEqual(parseNumber('512MiB'), { ok: true, value: 512 * 2 ** 20 });
  assert.deepEqual(parseNumber('0x100000'), { ok: true, value: 0x100000 });
  assert.deepEqual(parseNumber(4096), { ok: true, value: 4096 });
  for (const bad of ['4g', '0x', '-1', '1.5', 'G', '0x10G', ' 1']) assert.equal(parseNumber(bad).ok, false, bad);
  assert.equal(parseNumber(1.5).ok, false);
  assert.equal(parseNumber('0x20000000000000').ok, false);
});

test('property: hex and decimal forms parse back exactly', () => {
  fc.assert(
    fc.property(fc.maxSafeNat(), (n) => {
      assert.deepEqual(parseNumber(hex(n)), { ok: true, value: n });
      assert.deepEqual(parseNumber(String(n)), { ok: true, value: n });
      assert.deepEqual(parseNumber(n), { ok: true, value: n });
    }),
    { seed: 1 },
  );
});

test('property: edit distance is a metric on small strings', () => {
  const s = fc.string({ maxLength: 8 });
  fc.assert(
    fc.property(s, s, s, (a, b, c) => {
      assert.equal(editDistance(a, a), 0);
      assert.equal(editDistance(a, b), editDistance(b, a));
      assert.ok(editDistance(a, c) <= editDistance(a, b) + editDistance(b, c));
    }),
    { seed: 1 },
  );
});

test('did you mean', () => {
  assert.equal(closest('famly', ['vendor', 'family', 'model']), 'family');
  assert.equal(closest('x86_64', ['x86-64', 'x86-32']), 'x86-64');
  assert.equal(closest('zzzzzz', ['x86_pat', 'highmem']), undefined);
});
