/** Trace lexical rules (FORMAT §1). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from '../fc.js';
import { parseU64, tokenize } from '../../src/io/trace/lexer.js';

const U64 = (1n << 64n) - 1n;

test('parseU64 agrees with BigInt on hex and decimal, exact numbers below 2^53', () => {
  fc.assert(
    fc.property(fc.bigInt({ min: 0n, max: (1n << 66n) }), fc.boolean(), fc.boolean(), (v, hex, upper) => {
      const text = hex ? (upper ? '0X' + v.toString(16).toUpperCase() : '0x' + v.toString(16)) : v.toString(10);
      const got = parseU64(text);
      if (v > U64) return assert.equal(got, undefined);
      assert.equal(BigInt(got!), v);
      assert.equal(typeof got, v < 1n << 53n ? 'number' : 'bigint');
    }),
  );
});

test('a leading zero is not octal; malformed numbers are refused', () => {
  assert.equal(parseU64('010'), 10);
  assert.equal(parseU64('0x'), undefined);
  assert.equal(parseU64('0xg1'), undefined);
  assert.equal(parseU64('-1'), undefined);
  assert.equal(parseU64('1e3'), undefined);
});

test('tokens keep their 1-based columns; comments and \\r are whitespace', () => {
  assert.deepEqual(tokenize('  reserve\t0x1 0x2 # c\r'), [
    { text: 'reserve', col: 3 },
    { text: '0x1', col: 11 },
    { text: '0x2', col: 15 },
  ]);
  assert.deepEqual(tokenize('dump#x'), [{ text: 'dump', col: 1 }]);
});
