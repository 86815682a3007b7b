/**
 * Range-shaped user page tables (kernel/vm/user-ptes.ts): any sequence of
 * range writes (remap_pfn_range, huge leaves, fork's copy), single-slot
 * writes (faults, page-by-page inserts), clears (zap, partial munmap), bit
 * changes (mkwrite, mprotect, COW), step changes (mremap), slices (VMA split)
 * and resizes leaves every slot exactly where a per-page model of the same
 * operations says, and the runs stay sorted, disjoint and non-empty.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from '../../fc.js';
import { LV_2M, LV_4K, LV_NONE, UserPtes } from '../../../src/kernel/vm/user-ptes.js';

const N = 1536;
type Op =
  | { t: 'range'; at: number; n: number; pfn: number; bits: number; level: number; step: number }
  | { t: 'one'; i: number; pfn: number; bits: number; step: number }
  | { t: 'next'; n: number; gap: number }
  | { t: 'clear'; at: number; n: number }
  | { t: 'or'; at: number; n: number; mask: number }
  | { t: 'step'; at: number; n: number; step: number }
  | { t: 'slice'; at: number; n: number }
  | { t: 'resize'; n: number };

const bitsArb = fc.constantFrom(0x63, 0x73, 0x7b, 0x263);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ t: fc.constant('range' as const), at: fc.nat(N - 1), n: fc.integer({ min: 1, max: 600 }), pfn: fc.nat(1 << 20), bits: bitsArb, level: fc.constantFrom(LV_4K, LV_2M), step: fc.nat(3) }),
  fc.record({ t: fc.constant('one' as const), i: fc.nat(N - 1), pfn: fc.nat(1 << 20), bits: bitsArb, step: fc.nat(3) }),
  // The slots right after the last write, as it wrote them (a fault's next pages), its pfns continued or `gap` further on.
  fc.record({ t: fc.constant('next' as const), n: fc.integer({ min: 1, max: 3 }), gap: fc.constantFrom(0, 0, 0, 1) }),
  fc.record({ t: fc.constant('clear' as const), at: fc.nat(N - 1), n: fc.integer({ min: 1, max: 400 }) }),
  fc.record({ t: fc.constant('or' as const), at: fc.nat(N - 1), n: fc.integer({ min: 1, max: 400 }), mask: fc.constantFrom(0x2, 0x40, 0x20) }),
  fc.record({ t: fc.constant('step' as const), at: fc.nat(N - 1), n: fc.integer({ min: 1, max: 400 }), step: fc.nat(3) }),
  fc.record({ t: fc.constant('slice' as const), at: fc.nat(200), n: fc.integer({ min: 1, max: N }) }),
  fc.record({ t: fc.constant('resize' as const), n: fc.integer({ min: 1, max: N }) }),
);

interface Slot {
  pfn: number;
  bits: number;
  level: number;
  step: number;
}

test('property: range-shaped user PTEs equal a per-page model under range and single writes, clears, bit and step changes, slices and resizes', () => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 40 }), (ops) => {
      let p = new UserPtes(N);
      let model: (Slot | null)[] = new Array(N).fill(null);
      // Where the last write ended (what `next` continues).
      type Last = { at: number; pfn: number; bits: number; level: number; step: number };
      const w: { last: Last | null } = { last: null };
      for (const op of ops) {
        const n = p.n;
        if (op.t === 'range') {
          const c = Math.min(op.n, n - op.at);
          if (c <= 0) continue;
          p.setRange(op.at, c, op.pfn, op.bits, op.level, op.step);
          for (let i = 0; i < c; i++) model[op.at + i] = { pfn: op.pfn + i, bits: op.bits, level: op.level, step: op.step };
          w.last = { at: op.at + c, pfn: op.pfn + c, bits: op.bits, level: op.level, step: op.step };
        } else if (op.t === 'one') {
          if (op.i >= n) continue;
          p.set(op.i, op.pfn, op.bits, LV_4K, op.step);
          model[op.i] = { pfn: op.pfn, bits: op.bits, level: LV_4K, step: op.step };
          w.last = { at: op.i + 1, pfn: op.pfn + 1, bits: op.bits, level: LV_4K, step: op.step };
        } else if (op.t === 'next') {
          const l = w.last;
          if (!l) continue;
          const c = Math.min(op.n, n - l.at);
          if (c <= 0) continue;
          const pfn = l.pfn + op.gap;
          p.setRange(l.at, c, pfn, l.bits, l.level, l.step);
          for (let i = 0; i < c; i++) model[l.at + i] = { pfn: pfn + i, bits: l.bits, level: l.level, step: l.step };
          w.last = { at: l.at + c, pfn: pfn + c, bits: l.bits, level: l.level, step: l.step };
        } else if (op.t === 'clear') {
          p.clearRange(op.at, Math.min(n, op.at + op.n));
          for (let i = op.at; i < Math.min(n, op.at + op.n); i++) model[i] = null;
        } else if (op.t === 'or') {
          p.mapBits(op.at, Math.min(n, op.at + op.n), (b) => b | op.mask);
          for (let i = op.at; i < Math.min(n, op.at + op.n); i++) if (model[i]) model[i] = { ...model[i]!, bits: model[i]!.bits | op.mask };
        } else if (op.t === 'step') {
          p.setStep(op.at, Math.min(n, op.at + op.n), op.step);
          for (let i = op.at; i < Math.min(n, op.at + op.n); i++) if (model[i]) model[i] = { ...model[i]!, step: op.step };
        } else if (op.t === 'slice') {
          const from = Math.min(op.at, n - 1);
          const to = Math.min(n, from + op.n);
          p = p.slice(from, to);
          model = model.slice(from, to);
        } else {
          p = p.resized(op.n);
          model = Array.from({ length: op.n }, (_, i) => model[i] ?? null);
        }
      }
      assert.equal(p.n, model.length);
      for (let i = 0; i < p.n; i++) {
        const m = model[i]!;
        assert.deepEqual(p.entry(i), m, `slot ${i}`);
        assert.equal(p.levelAt(i), m ? m.level : LV_NONE, `slot ${i}`);
        assert.equal(p.isNone(i), m === null, `slot ${i}`);
      }
      assert.equal(p.count(), model.filter((m) => m).length);
      const firstPresent = model.findIndex((m) => m);
      assert.equal(p.firstPresent(), firstPresent);
      let end = 0;
      for (const r of p.runsIn()) {
        assert.ok(r.from >= end && r.to > r.from && r.to <= p.n, 'sorted, disjoint, non-empty, inside the table');
        end = r.to;
      }
    }),
    { numRuns: 300 },
  );
});

test('a 4 TiB table with one range written and a page cleared in its middle is three runs', () => {
  const n = 2 ** 30;
  const p = new UserPtes(n);
  p.setRange(0, n, 0x100000, 0x263, LV_4K, 1);
  p.clear(n / 2);
  assert.equal(p.runCount, 2);
  p.set(n / 2, 0x100000 + n / 2, 0x263, LV_4K, 1);
  assert.equal(p.runCount, 1, 'the page written back with the same entry joins its neighbours');
  p.set(7, 5, 0x263, LV_4K, 2);
  assert.equal(p.runCount, 3);
  assert.equal(p.count(), n);
});
