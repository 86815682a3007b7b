/**
 * PageMemtypes (the per-page memtype of RAM, FORMAT §3.4): the word-at-a-time
 * scans agree with a page-by-page reading of the same state.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from '../../fc.js';
import { PageMemtypes } from '../../../src/kernel/mm/page-memtype.js';

test('nonWbRuns and firstNotWb equal a per-page scan after any sequence of setRange', () => {
  fc.assert(
    fc.property(
      fc.integer({ min: 1, max: 200 }),
      fc.array(fc.tuple(fc.nat(), fc.nat({ max: 40 }), fc.integer({ min: 0, max: 7 })), { maxLength: 12 }),
      fc.nat(),
      fc.nat(),
      (n, ops, qa, qb) => {
        const pm = new PageMemtypes(n);
        const model = new Array<number>(n + 80).fill(0);
        for (const [s0, len, ty] of ops) {
          const s = s0 % (n + 32);
          pm.setRange(s, s + len, ty);
          for (let p = s; p < s + len && p < model.length; p++) model[p] = ty;
        }
        const runs: { start: number; end: number; type: number }[] = [];
        for (let p = 0; p < model.length; p++) {
          if (model[p] === 0) continue;
          const last = runs[runs.length - 1];
          if (last && last.end === p && last.type === model[p]) last.end = p + 1;
          else runs.push({ start: p, end: p + 1, type: model[p]! });
        }
        assert.deepEqual(pm.nonWbRuns(), runs);
        const s = qa % (n + 40);
        const e = s + (qb % 50);
        let want = -1;
        for (let p = s; p < e && p < model.length; p++) if (model[p] !== 0) { want = p; break; }
        assert.equal(pm.firstNotWb(s, e), want);
      },
    ),
    { numRuns: 300, seed: 13 },
  );
});
