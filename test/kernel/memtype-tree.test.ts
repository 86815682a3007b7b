/**
 * The memtype tree against a brute-force list model (spec 02 §9, FORMAT §3.5):
 * same overlaps, same order, same answers, and the augmented invariants after
 * every operation.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { MemtypeTree } from '../../src/kernel/pat/memtype-tree.js';

interface E {
  start: number;
  end: number;
  type: number;
  seq: number;
}

/** The list model: entries in insertion order; tree order = stable sort by start. */
class ListModel {
  list: E[] = [];
  seq = 0;
  ordered(): E[] {
    return [...this.list].sort((a, b) => a.start - b.start || a.seq - b.seq);
  }
  insert(start: number, end: number, type: number): void {
    this.list.push({ start, end, type, seq: this.seq++ });
  }
  overlapping(a: number, b: number): E[] {
    return this.ordered().filter((e) => e.start <= b && a <= e.end - 1);
  }
  remove(e: E): void {
    this.list.splice(this.list.indexOf(e), 1);
  }
}

const op = fc.oneof(
  { weight: 4, arbitrary: fc.record({ k: fc.constant('insert' as const), s: fc.integer({ min: 0, max: 40 }), len: fc.integer({ min: 1, max: 12 }), t: fc.integer({ min: 0, max: 5 }) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('free' as const), s: fc.integer({ min: 0, max: 40 }), len: fc.integer({ min: 1, max: 12 }) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('query' as const), s: fc.integer({ min: 0, max: 50 }), len: fc.integer({ min: 0, max: 12 }), t: fc.integer({ min: -1, max: 5 }) }) },
);

test('tree agrees with a list model and keeps its invariants', () => {
  fc.assert(
    fc.property(fc.array(op, { maxLength: 150 }), (ops) => {
      const tree = new MemtypeTree(2);
      const model = new ListModel();
      const ids = new Map<E, number>();
      for (const o of ops) {
        if (o.k === 'insert') {
          const id = tree.insert(o.s, o.s + o.len, o.t);
          model.insert(o.s, o.s + o.len, o.t);
          ids.set(model.list[model.list.length - 1]!, id);
        } else if (o.k === 'free') {
          const id = tree.findExact(o.s, o.s + o.len);
          const want = model.ordered().find((e) => e.start === o.s && e.end === o.s + o.len);
          assert.equal(id !== 0, want !== undefined);
          if (want) {
            assert.equal(id, ids.get(want));
            tree.remove(id);
            model.remove(want);
          }
        } else {
          const a = o.s;
          const b = o.s + o.len;
          const ov = model.overlapping(a, b);
          const expectFirst = o.t < 0 ? ov[0] : ov.find((e) => e.type !== o.t);
          const got = tree.firstOverlap(a, b, o.t);
          assert.equal(got, expectFirst ? ids.get(expectFirst) : 0);
          const walked: number[] = [];
          tree.findOverlap(a, b, (id) => {
            walked.push(id);
            return false;
          });
          assert.deepEqual(walked, ov.map((e) => ids.get(e)));
        }
        assert.equal(tree.checkInvariants(), null);
        assert.equal(tree.size, model.list.length);
      }
      assert.deepEqual(
        tree.toArray(),
        model.ordered().map(({ start, end, type }) => ({ start, end, type })),
      );
    }),
    { numRuns: 300 },
  );
});

test('equal starts are kept in insertion order; re-insertion moves an entry behind its equals', () => {
  const t = new MemtypeTree();
  const a = t.insert(0x1000, 0x4000, 1);
  t.insert(0x1000, 0x2000, 1);
  t.insert(0x1000, 0x8000, 1);
  t.insert(0x0, 0x2000, 1);
  assert.deepEqual(
    t.toArray().map((e) => e.end),
    [0x2000, 0x4000, 0x2000, 0x8000],
  );
  t.reinsertWithEnd(a, 0x3000);
  assert.deepEqual(
    t.toArray().map((e) => e.end),
    [0x2000, 0x2000, 0x8000, 0x3000],
  );
  assert.equal(t.checkInvariants(), null);
});

test('peak size counts the largest population', () => {
  const t = new MemtypeTree();
  const ids = [1, 2, 3].map((i) => t.insert(i * 0x1000, i * 0x1000 + 0x1000, 0));
  for (const id of ids) t.remove(id);
  t.insert(0, 0x1000, 0);
  assert.equal(t.size, 1);
  assert.equal(t.peakSize, 3);
});
