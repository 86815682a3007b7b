/**
 * The memtype tree against a brute-force list model (spec 02 §9, FORMAT §3.5):
 * same overlaps, same order, same answers, and the structural invariants after
 * every operation.
 *
 * Tree handles are only valid until the next mutation, so entries are
 * identified by their position in tree order: after every operation the full
 * order (start, end, type) must equal the model's, and a handle the tree
 * returns must sit at the position of the entry the model expects (which, the
 * orders being equal, pins down the very entry, even among identical ones).
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from '../fc.js';
import { MemtypeTree, type MemtypeTreeOptions } from '../../src/kernel/pat/memtype-tree.js';
import { CLONE } from '../../src/kernel/clones-itself.js';

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

/** Position of each handle in the tree's current order (0 maps to -1). */
function positions(tree: MemtypeTree, ids: number[]): number[] {
  const order = [...tree.entries()];
  return ids.map((id) => (id === 0 ? -1 : order.indexOf(id)));
}

/** Position in the model's order of an expected entry (undefined maps to -1). */
function modelPos(model: ListModel, e: E | undefined): number {
  return e === undefined ? -1 : model.ordered().indexOf(e);
}

function assertSameOrder(tree: MemtypeTree, model: ListModel): void {
  assert.deepEqual(
    tree.toArray(),
    model.ordered().map(({ start, end, type }) => ({ start, end, type })),
  );
}

const op = fc.oneof(
  { weight: 4, arbitrary: fc.record({ k: fc.constant('insert' as const), s: fc.integer({ min: 0, max: 40 }), len: fc.integer({ min: 1, max: 12 }), t: fc.integer({ min: 0, max: 5 }) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('free' as const), s: fc.integer({ min: 0, max: 40 }), len: fc.integer({ min: 1, max: 12 }) }) },
  { weight: 1, arbitrary: fc.record({ k: fc.constant('shrink' as const), s: fc.integer({ min: 0, max: 40 }), len: fc.integer({ min: 1, max: 12 }) }) },
  { weight: 2, arbitrary: fc.record({ k: fc.constant('query' as const), s: fc.integer({ min: 0, max: 50 }), len: fc.integer({ min: 0, max: 12 }), t: fc.integer({ min: -1, max: 5 }) }) },
);

/** Node sizes: the default, and tiny ones that make deep trees (splits, drops, root collapses). */
const shapes: MemtypeTreeOptions[] = [{}, { leafCapacity: 2, fanout: 3 }, { leafCapacity: 4, fanout: 4 }, { leafCapacity: 8, fanout: 5 }];

for (const shape of shapes) {
  test(`tree agrees with a list model and keeps its invariants (${JSON.stringify(shape)})`, () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 150 }), (ops) => {
        const tree = new MemtypeTree(shape);
        const model = new ListModel();
        for (const o of ops) {
          if (o.k === 'insert') {
            const id = tree.insert(o.s, o.s + o.len, o.t);
            model.insert(o.s, o.s + o.len, o.t);
            // The handle names the new entry: after all entries of its start.
            assert.deepEqual(positions(tree, [id]), [modelPos(model, model.list[model.list.length - 1])]);
          } else if (o.k === 'free') {
            const id = tree.findExact(o.s, o.s + o.len);
            const want = model.ordered().find((e) => e.start === o.s && e.end === o.s + o.len);
            assert.deepEqual(positions(tree, [id]), [modelPos(model, want)]);
            if (want) {
              tree.remove(id);
              model.remove(want);
            }
          } else if (o.k === 'shrink') {
            // The pre-v6.16 memtype_erase() end match: the first overlapping entry
            // starting before s and ending at s + len gets end s.
            const a = o.s;
            const end = o.s + o.len;
            const want = model.overlapping(a, end - 1).find((e) => e.start < a && e.end === end);
            const id = tree.findOverlap(a, end - 1, (x) => tree.start(x) < a && tree.end(x) === end);
            assert.deepEqual(positions(tree, [id]), [modelPos(model, want)]);
            if (want) {
              const nid = tree.reinsertWithEnd(id, a);
              model.remove(want);
              model.insert(want.start, a, want.type);
              assert.deepEqual(positions(tree, [nid]), [modelPos(model, model.list[model.list.length - 1])]);
            }
          } else {
            const a = o.s;
            const b = o.s + o.len;
            const ov = model.overlapping(a, b);
            const expectFirst = o.t < 0 ? ov[0] : ov.find((e) => e.type !== o.t);
            const got = tree.firstOverlap(a, b, o.t);
            assert.deepEqual(positions(tree, [got]), [modelPos(model, expectFirst)]);
            const walked: number[] = [];
            tree.findOverlap(a, b, (id) => {
              walked.push(id);
              return false;
            });
            assert.deepEqual(positions(tree, walked), ov.map((e) => modelPos(model, e)));
            // A walk stops at the entry its visitor accepts, and returns it.
            if (ov.length > 0) {
              const k = Math.floor(ov.length / 2);
              let n = 0;
              const stop = tree.findOverlap(a, b, () => n++ === k);
              assert.deepEqual(positions(tree, [stop]), [modelPos(model, ov[k])]);
            }
            assert.equal(tree.findExact(a, a), 0);
          }
          assert.equal(tree.checkInvariants(), null);
          assert.equal(tree.size, model.list.length);
          assertSameOrder(tree, model);
        }
      }),
      { numRuns: 300 },
    );
  });
}

test('many equal starts spanning leaves keep insertion order and cheap type exclusion', () => {
  const tree = new MemtypeTree({ leafCapacity: 4, fanout: 3 });
  const model = new ListModel();
  for (let i = 0; i < 300; i++) {
    const type = i === 150 ? 2 : 1;
    const end = 0x2000 + (i % 7) * 0x1000;
    tree.insert(0x1000, end, type);
    model.insert(0x1000, end, type);
  }
  assert.equal(tree.checkInvariants(), null);
  assertSameOrder(tree, model);
  const odd = tree.firstOverlap(0x1000, 0x1fff, 1);
  assert.deepEqual(positions(tree, [odd]), [150]);
  assert.equal(tree.type(odd), 2);
  // Free from the front, the middle and the back, exactly as the model does.
  for (let k = 0; k < 300; k++) {
    const o = model.ordered();
    const want = o[(k * 37) % o.length]!;
    const id = tree.findExact(want.start, want.end);
    const first = o.find((e) => e.start === want.start && e.end === want.end)!;
    assert.deepEqual(positions(tree, [id]), [modelPos(model, first)]);
    tree.remove(id);
    model.remove(first);
    assert.equal(tree.checkInvariants(), null);
    assertSameOrder(tree, model);
  }
  assert.equal(tree.size, 0);
  assert.equal(tree.firstOverlap(0, 0x10000), 0);
});

test('equal starts are kept in insertion order; re-insertion moves an entry behind its equals', () => {
  const t = new MemtypeTree();
  t.insert(0x1000, 0x4000, 1);
  t.insert(0x1000, 0x2000, 1);
  t.insert(0x1000, 0x8000, 1);
  t.insert(0x0, 0x2000, 1);
  assert.deepEqual(
    t.toArray().map((e) => e.end),
    [0x2000, 0x4000, 0x2000, 0x8000],
  );
  const a = t.findExact(0x1000, 0x4000);
  assert.deepEqual(positions(t, [a]), [1]);
  t.reinsertWithEnd(a, 0x3000);
  assert.deepEqual(
    t.toArray().map((e) => e.end),
    [0x2000, 0x2000, 0x8000, 0x3000],
  );
  assert.equal(t.checkInvariants(), null);
});

test('peak size counts the largest population', () => {
  const t = new MemtypeTree();
  for (const i of [1, 2, 3]) t.insert(i * 0x1000, i * 0x1000 + 0x1000, 0);
  for (const i of [1, 2, 3]) t.remove(t.findExact(i * 0x1000, i * 0x1000 + 0x1000));
  t.insert(0, 0x1000, 0);
  assert.equal(t.size, 1);
  assert.equal(t.peakSize, 3);
});

test('regression: freeing the only entry of a leaf whose id equals the internal root node\u2019s id unlinks the leaf', () => {
  // Found by the property above: leaf ids and internal-node ids are separate pools.
  const tree = new MemtypeTree({ leafCapacity: 2, fanout: 3 });
  tree.insert(4, 5, 0);
  tree.insert(4, 5, 0);
  tree.insert(4, 5, 0);
  tree.remove(tree.findExact(4, 5));
  assert.equal(tree.checkInvariants(), null);
  tree.insert(4, 5, 0);
  tree.insert(4, 5, 0);
  assert.equal(tree.checkInvariants(), null);
  assert.equal(tree.toArray().length, 4);
});

/** A mutating op on a tree and its model alike: an insertion, or the removal or shrinking of the entry at position `s` (modulo the size). */
function mutate(tree: MemtypeTree, model: ListModel, o: { k: string; s: number; len: number; t?: number }): void {
  if (o.k === 'insert' || o.k === 'query') {
    tree.insert(o.s, o.s + Math.max(o.len, 1), Math.max(o.t ?? 0, 0));
    model.insert(o.s, o.s + Math.max(o.len, 1), Math.max(o.t ?? 0, 0));
    return;
  }
  const order = model.ordered();
  if (order.length === 0) return;
  const pos = o.s % order.length;
  const e = order[pos]!;
  const id = [...tree.entries()][pos]!;
  if (o.k === 'free') {
    tree.remove(id);
    model.remove(e);
  } else if (e.end - e.start > 1) {
    const end = e.start + 1 + (o.len % (e.end - e.start - 1));
    tree.reinsertWithEnd(id, end);
    model.remove(e);
    model.insert(e.start, end, e.type);
  }
}

function copyModel(m: ListModel): ListModel {
  const c = new ListModel();
  c.list = [...m.list];
  c.seq = m.seq;
  return c;
}

for (const shape of shapes)
  test(`a copy of a tree and its original go on independently: what they share is copied by whichever mutates first (${JSON.stringify(shape)})`, () => {
    fc.assert(
      fc.property(fc.array(op, { maxLength: 60 }), fc.array(op, { maxLength: 60 }), fc.array(op, { maxLength: 60 }), fc.boolean(), (before, onOriginal, onCopy, originalFirst) => {
        const tree = new MemtypeTree(shape);
        const model = new ListModel();
        for (const o of before) mutate(tree, model, o);
        const copy = tree[CLONE]();
        const copyOf = copyModel(model);
        const runs: [MemtypeTree, ListModel, typeof onCopy][] = [
          [tree, model, onOriginal],
          [copy, copyOf, onCopy],
        ];
        if (!originalFirst) runs.reverse();
        // Interleaved, one op of each in turn: neither side's writes may reach the other.
        for (let i = 0; i < Math.max(onOriginal.length, onCopy.length); i++)
          for (const [t, m, ops] of runs) {
            const o = ops[i];
            if (o) mutate(t, m, o);
          }
        for (const [t, m] of runs) {
          assert.equal(t.checkInvariants(), null);
          assertSameOrder(t, m);
        }
      }),
      { numRuns: 200 },
    );
  });
