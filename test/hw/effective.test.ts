import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from '../fc.js';
import { MT, effectiveType, type MemType, type MtrrType } from '../../src/hw/index.js';

const { UC, WC, WT, WP, WB, UC_MINUS } = MT;
const MTRR: MtrrType[] = [UC, WC, WT, WB, WP];
const PAT: MemType[] = [UC, UC_MINUS, WC, WT, WB, WP];

// Spec 01 §4, rows MTRR UC, WC, WT, WB, WP; columns PAT UC, UC-, WC, WT, WB, WP.
// Cell: result type + source of a UC ('m' = note 1, 'p' = note 2, '' = not UC).
const SPEC: Array<Array<[number, string]>> = [
  [[UC, 'm'], [UC, 'm'], [WC, ''], [UC, 'm'], [UC, 'm'], [UC, 'm']],
  [[UC, 'p'], [WC, ''], [WC, ''], [UC, 'p'], [WC, ''], [UC, 'p']],
  [[UC, 'p'], [UC, 'p'], [WC, ''], [WT, ''], [WT, ''], [WP, '']],
  [[UC, 'p'], [UC, 'p'], [WC, ''], [WT, ''], [WB, ''], [WP, '']],
  [[UC, 'p'], [WC, ''], [WC, ''], [WT, ''], [WP, ''], [WP, '']],
];

test('all 30 entries match SDM Table 11-7 (spec 01 §4)', () => {
  let n = 0;
  MTRR.forEach((m, r) =>
    PAT.forEach((p, c) => {
      const [type, src] = SPEC[r]![c]!;
      const got = effectiveType(m, p);
      assert.equal(got.type, type, `MTRR ${m} x PAT ${p}`);
      assert.equal(got.ucSource, src === 'm' ? 'mtrr' : src === 'p' ? 'pat' : null, `source MTRR ${m} x PAT ${p}`);
      n++;
    }),
  );
  assert.equal(n, 30);
});

test('the cases a naive model gets wrong', () => {
  assert.equal(effectiveType(UC, WC).type, WC); // PAT WC beats MTRR UC
  assert.equal(effectiveType(WC, UC_MINUS).type, WC); // SDM, not pat.rst's UC
  assert.equal(effectiveType(WP, UC_MINUS).type, WC);
  assert.equal(effectiveType(WC, UC).type, UC);
  assert.equal(effectiveType(WC, WT).formerlyUndefined, true);
  assert.equal(effectiveType(WB, WT).formerlyUndefined, false);
});

const mtrr = fc.constantFrom(...MTRR);
const pat = fc.constantFrom(...PAT);

test('property: PAT WC always gives WC; PAT WB gives the MTRR type', () => {
  fc.assert(
    fc.property(mtrr, (m) => {
      assert.equal(effectiveType(m, WC).type, WC);
      assert.equal(effectiveType(m, WB).type, m);
    }),
  );
});

test('property: table is total over 5x6, never UC-, ucSource set iff UC', () => {
  fc.assert(
    fc.property(mtrr, pat, (m, p) => {
      const r = effectiveType(m, p);
      assert.notEqual(r.type, UC_MINUS);
      assert.ok([UC, WC, WT, WP, WB].includes(r.type));
      assert.equal(r.ucSource !== null, r.type === UC);
      if (m === UC && r.type === UC) assert.equal(r.ucSource, 'mtrr');
      if (m !== UC && r.type === UC) assert.equal(r.ucSource, 'pat');
    }),
  );
});

test('invalid inputs are rejected', () => {
  assert.throws(() => effectiveType(7 as MtrrType, WB), RangeError);
  assert.throws(() => effectiveType(WB, 2 as MemType), RangeError);
});
