/**
 * kernel/mm/page-chunks.ts against the typed array it stands for: any mix of
 * writes, fills, counts and scans on an array and on its clones reads the
 * same as on plain typed arrays, and a clone and its original never see
 * each other's writes. Lengths straddle chunk edges (4096 entries).
 */
import { CLONE } from '../../../src/kernel/clones-itself.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from '../../fc.js';
import { PageBytes, PageInts, type PageChunks } from '../../../src/kernel/mm/page-chunks.js';

type Op =
  | { op: 'set'; i: number; v: number }
  | { op: 'fill'; v: number; a: number; b: number }
  | { op: 'clone' }
  | { op: 'switch' };

const LENGTHS = [1, 4095, 4096, 4097, 3 * 4096 + 17];

const OP: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ op: fc.constant('set' as const), i: fc.integer({ min: -2, max: 13000 }), v: fc.oneof(fc.integer({ min: 0, max: 7 }), fc.constantFrom(-1, 255, 256, 300, 2 ** 31, 1.5)) }),
  fc.record({ op: fc.constant('fill' as const), v: fc.oneof(fc.integer({ min: 0, max: 7 }), fc.constantFrom(-1, 255, 256, 300, 2 ** 31, 1.5)), a: fc.integer({ min: -5, max: 13000 }), b: fc.integer({ min: -5, max: 13000 }) }),
  fc.constant({ op: 'clone' as const }),
  fc.constant({ op: 'switch' as const }),
);

test('property: PageChunks reads like a typed array under sets, fills and clones, and clones are independent', () => {
  fc.assert(
    fc.property(fc.constantFrom(...LENGTHS), fc.constantFrom('u8' as const, 'i32' as const), fc.array(OP, { maxLength: 40 }), fc.nat(), fc.nat(), (len, kind, ops, qa, qb) => {
      const fresh = (): Uint8Array | Int32Array => (kind === 'u8' ? new Uint8Array(len) : new Int32Array(len));
      // Every array made so far, each beside its model; ops go to the current one.
      const arrays: { c: PageChunks; m: Uint8Array | Int32Array }[] = [{ c: kind === 'u8' ? new PageBytes(len) : new PageInts(len), m: fresh() }];
      let cur = 0;
      for (const o of ops) {
        const x = arrays[cur]!;
        if (o.op === 'set') {
          x.c.set(o.i, o.v);
          if (o.i >= 0 && o.i < len) x.m[o.i] = o.v;
        } else if (o.op === 'fill') {
          x.c.fill(o.v, o.a, o.b);
          x.m.fill(o.v, Math.max(o.a, 0), Math.max(o.b, 0));
        } else if (o.op === 'clone') {
          arrays.push({ c: x.c[CLONE](), m: x.m.slice() });
        } else cur = (cur + 1) % arrays.length;
      }
      const s = qa % (len + 1);
      const e = s + (qb % (len - s + 1));
      for (const { c, m } of arrays) {
        assert.deepEqual(Array.from(c.slice()), Array.from(m));
        assert.deepEqual(Array.from(c.slice(s, e)), Array.from(m.slice(s, e)));
        for (const i of [0, len - 1, s, Math.max(e - 1, 0)]) assert.equal(c.get(i), m[i]);
        assert.equal(c.get(len), undefined);
        assert.equal(c.get(-1), undefined);
        for (const bit of [1, 2, 4]) {
          let want = 0;
          for (let p = s; p < e; p++) if (m[p]! & bit) want++;
          assert.equal(c.countBit(bit, s, e), want);
        }
        for (const v of [0, m[s] ?? 0]) {
          let want = e;
          for (let p = s; p < e; p++) if (m[p] !== v) { want = p; break; }
          assert.equal(c.firstNot(v, s, e), want);
        }
      }
    }),
    { seed: 777, numRuns: 300 },
  );
});

test('a fill that covers whole chunks holds one chunk for them all, and a write copies only its chunk', () => {
  const c = new PageInts(64 * 4096);
  c.fill(1);
  assert.equal(c.heldBytes(), 4096 * 4, 'one shared chunk of 1s');
  const d = c[CLONE]();
  d.set(5 * 4096 + 3, 9);
  assert.equal(d.heldBytes(), 2 * 4096 * 4, 'the clone copied the one chunk it wrote');
  assert.equal(c.heldBytes(), 4096 * 4, 'the original copied none');
  assert.equal(c.get(5 * 4096 + 3), 1, 'the original does not see the write');
  assert.equal(d.get(5 * 4096 + 4), 1, 'the rest of the written chunk keeps its value');
  assert.equal(d.get(5 * 4096 + 3), 9);
});
