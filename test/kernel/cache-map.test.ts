/**
 * Linux's MTRR cache map (v6.5+, spec 02 §5) against the hardware precedence
 * rule (spec 01 §3.2) applied page by page, wherever the hardware rule is
 * defined.
 */
import { PAGE_SIZE } from '../../src/hw/page.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from '../fc.js';
import { MT, type MtrrType } from '../../src/hw/cache-mode.js';
import { mtrrTypeAt, variableRange, type MtrrState as HwMtrrState } from '../../src/hw/mtrr.js';
import { LinuxMtrr, mtrrTypeMerge, type MtrrState } from '../../src/kernel/mtrr/cache-map.js';

const mtype = fc.constantFrom<MtrrType>(MT.UC, MT.WC, MT.WT, MT.WP, MT.WB);
const PAGE = PAGE_SIZE;
const SPACE = 1 << 24; // 16 MiB: small enough to brute-force every page

const varRange = fc
  .integer({ min: 12, max: 23 })
  .chain((log) =>
    fc.record({
      size: fc.constant(2 ** log),
      idx: fc.integer({ min: 0, max: SPACE / 2 ** log - 1 }),
      type: mtype,
    }),
  )
  .map((v) => ({ base: v.idx * v.size, size: v.size, type: v.type }));

const machine = fc.record({
  defType: mtype,
  fixedEnabled: fc.boolean(),
  fixed: fc.array(mtype, { minLength: 88, maxLength: 88 }),
  variable: fc.array(varRange, { maxLength: 6 }),
});

function states(m: { defType: MtrrType; fixedEnabled: boolean; fixed: MtrrType[]; variable: { base: number; size: number; type: MtrrType }[] }): {
  linux: MtrrState;
  hw: HwMtrrState;
} {
  return {
    linux: { defType: m.defType, enabled: true, fixedEnabled: m.fixedEnabled, fixed: m.fixed, variable: m.variable, vcnt: 8, tom2: 0 },
    hw: {
      enabled: true,
      fixedEnabled: m.fixedEnabled,
      defType: m.defType,
      fixed: m.fixed,
      variable: m.variable.map((v) => variableRange(v.base, v.size, v.type, 36)),
      physAddrBits: 36,
    },
  };
}

test('cache-map lookup of each page equals the hardware rule wherever it is defined', () => {
  fc.assert(
    fc.property(machine, fc.array(fc.integer({ min: 0, max: SPACE / PAGE - 1 }), { minLength: 1, maxLength: 40 }), (m, pages) => {
      const { linux, hw } = states(m);
      const map = new LinuxMtrr(linux);
      for (const p of pages) {
        const h = mtrrTypeAt(hw, p * PAGE);
        if (h.undefinedOverlap) continue;
        assert.equal(map.typeLookup(p * PAGE, p * PAGE + PAGE).type, h.type, `page ${p.toString(16)}`);
      }
    }),
    { numRuns: 300 },
  );
});

test('cache-map lookup of a range folds the per-page hardware types', () => {
  fc.assert(
    fc.property(machine, fc.integer({ min: 0, max: SPACE / PAGE - 1 }), fc.integer({ min: 1, max: 64 }), (m, p, n) => {
      const { linux, hw } = states(m);
      const end = Math.min(SPACE / PAGE, p + n);
      let acc = -1;
      for (let q = p; q < end; q++) {
        const h = mtrrTypeAt(hw, q * PAGE);
        if (h.undefinedOverlap) return; // the kernel resolves it; the hardware does not say
        acc = acc < 0 ? h.type : mtrrTypeMerge(acc, h.type);
      }
      assert.equal(new LinuxMtrr(linux).typeLookup(p * PAGE, end * PAGE).type, acc);
    }),
    { numRuns: 300 },
  );
});

test('map entries are sorted, disjoint and non-empty', () => {
  fc.assert(
    fc.property(machine, (m) => {
      const map = new LinuxMtrr(states(m).linux).map!;
      let prevEnd = 0;
      for (const e of map.entries) {
        assert.ok(e.start < e.end);
        assert.ok(e.start >= prevEnd);
        prevEnd = e.end;
      }
    }),
  );
});

test('lookup states: not set is (UC, not uniform), disabled is (UC, uniform), empty range is invalid', () => {
  assert.deepEqual(new LinuxMtrr(null).typeLookup(0, 0x1000), { type: MT.UC, uniform: false });
  const disabled: MtrrState = { defType: MT.WB, enabled: false, fixedEnabled: false, fixed: [], variable: [], vcnt: 8, tom2: 0 };
  assert.deepEqual(new LinuxMtrr(disabled).typeLookup(0, 0x1000), { type: MT.UC, uniform: true });
  const on: MtrrState = { ...disabled, enabled: true };
  assert.deepEqual(new LinuxMtrr(on).typeLookup(0x1000, 0x1000), { type: 0xff, uniform: true });
});

test('uniform is order dependent: UC then WB stays uniform, WB then UC does not', () => {
  const s: MtrrState = {
    defType: MT.UC,
    enabled: true,
    fixedEnabled: false,
    fixed: [],
    variable: [{ base: 0x100000, size: 0x100000, type: MT.WB }],
    vcnt: 8,
    tom2: 0,
  };
  const m = new LinuxMtrr(s);
  assert.deepEqual(m.typeLookup(0x0ff000, 0x101000), { type: MT.UC, uniform: true });
  assert.deepEqual(m.typeLookup(0x1ff000, 0x201000), { type: MT.UC, uniform: false });
});

test('TOM2 is a fixed WB entry that variable ranges cannot override', () => {
  const s: MtrrState = {
    defType: MT.UC,
    enabled: true,
    fixedEnabled: false,
    fixed: [],
    variable: [{ base: 0x100000000, size: 0x10000000, type: MT.UC }],
    vcnt: 8,
    tom2: 0x140000000,
  };
  const m = new LinuxMtrr(s);
  assert.equal(m.typeLookup(0x100000000, 0x100001000).type, MT.WB);
  assert.equal(m.typeLookup(0x140000000, 0x140001000).type, MT.UC);
  assert.equal(m.map!.fixedCount, 1);
});
