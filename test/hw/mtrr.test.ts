import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from '../fc.js';
import {
  MT,
  and53,
  decodeMtrrDefType,
  decodeVariableMtrr,
  fixedCellIndex,
  fixedCellMsr,
  fixedCellRange,
  maskForSize,
  mtrrTypeAt,
  sizeFromMask,
  variableRange,
  type MtrrState,
  type MtrrType,
  type VariableMtrr,
} from '../../src/hw/index.js';

const { UC, WC, WT, WP, WB } = MT;
const GiB = 2 ** 30;
const MiB = 2 ** 20;

test('fixedCellIndex / fixedCellRange layout (spec 01 §3.1)', () => {
  assert.equal(fixedCellIndex(0), 0);
  assert.equal(fixedCellIndex(0x7ffff), 7);
  assert.equal(fixedCellIndex(0x80000), 8);
  assert.equal(fixedCellIndex(0xa0000), 16);
  assert.equal(fixedCellIndex(0xbffff), 23);
  assert.equal(fixedCellIndex(0xc0000), 24);
  assert.equal(fixedCellIndex(0xfffff), 87);
  assert.equal(fixedCellIndex(0x100000), undefined);
  assert.deepEqual(fixedCellRange(0), { start: 0, end: 0x10000 });
  assert.deepEqual(fixedCellRange(8), { start: 0x80000, end: 0x84000 });
  assert.deepEqual(fixedCellRange(87), { start: 0xff000, end: 0x100000 });
  assert.deepEqual(fixedCellMsr(16), { msr: 0x259, byte: 0 });
  assert.deepEqual(fixedCellMsr(87), { msr: 0x26f, byte: 7 });
  // cells tile [0, 1 MiB) with no gap
  let end = 0;
  for (let i = 0; i < 88; i++) {
    const r = fixedCellRange(i);
    assert.equal(r.start, end);
    assert.equal(fixedCellIndex(r.start), i);
    assert.equal(fixedCellIndex(r.end - 1), i);
    end = r.end;
  }
  assert.equal(end, MiB);
});

test('and53 / masks on addresses above 2^32', () => {
  assert.equal(and53(2 ** 40 + 0x1234, 2 ** 40 + 0x0ff0), 2 ** 40 + 0x0230);
  assert.equal(maskForSize(GiB, 36), 2 ** 36 - GiB);
  assert.equal(sizeFromMask(2 ** 36 - GiB, 36), GiB);
  const v = decodeVariableMtrr(0xc0000000n | 0n, 0xfc0000800n, 36);
  assert.deepEqual(v, { base: 0xc0000000, mask: 0xfc0000000, type: 0, valid: true });
  assert.deepEqual(decodeMtrrDefType(0xc06n), { type: 6, fixedEnabled: true, enabled: true });
});

const fixedAllWb: MtrrType[] = Array(88).fill(WB);
function st(over: Partial<MtrrState>): MtrrState {
  return { enabled: true, fixedEnabled: true, defType: UC, fixed: fixedAllWb, variable: [], physAddrBits: 36, ...over };
}

test('precedence rules (SDM §11.11.4.1, spec 01 §3.2)', () => {
  const ram = variableRange(0, 2 * GiB, WB, 36);
  const hole = variableRange(3 * GiB, GiB, UC, 36); // [3 GiB, 4 GiB) UC
  const fixed = [...fixedAllWb];
  fixed[fixedCellIndex(0xa0000)!] = UC;
  const s = st({ fixed, variable: [ram, hole, variableRange(0, MiB, WC, 36)] });
  assert.equal(mtrrTypeAt(s, 0xa0000).type, UC); // fixed wins below 1 MiB
  assert.equal(mtrrTypeAt(s, 0xa0000).source, 'fixed');
  assert.equal(mtrrTypeAt(s, 0x100000).type, WB);
  assert.equal(mtrrTypeAt(s, 3 * GiB).type, UC);
  assert.equal(mtrrTypeAt(s, 2 * GiB).type, UC); // default
  assert.equal(mtrrTypeAt(s, 2 * GiB).source, 'default');
  // FE = 0: below 1 MiB the variable ranges apply: WB and WC overlap -> undefined -> UC
  const noFe = mtrrTypeAt({ ...s, fixedEnabled: false }, 0xa0000);
  assert.deepEqual(noFe, { type: UC, undefinedOverlap: true, source: 'variable', matched: [0, 2] });
  // E = 0: always UC
  assert.equal(mtrrTypeAt({ ...s, enabled: false, defType: WB }, 0x100000).type, UC);
  // WT + WB -> WT; UC beats everything; equal types -> that type
  const wt = st({ variable: [ram, variableRange(0, GiB, WT, 36)] });
  assert.deepEqual(mtrrTypeAt(wt, 0x200000), { type: WT, undefinedOverlap: false, source: 'variable', matched: [0, 1] });
  const three = st({ variable: [ram, variableRange(0, GiB, WC, 36), variableRange(0, 4 * MiB, UC, 36)] });
  assert.equal(mtrrTypeAt(three, 0x200000).type, UC);
  assert.equal(mtrrTypeAt(three, 0x200000).undefinedOverlap, false);
  assert.equal(mtrrTypeAt(three, 8 * MiB).undefinedOverlap, true);
  // invalid range ignored
  const inv = st({ variable: [{ ...variableRange(0, GiB, WC, 36), valid: false }], defType: WB });
  assert.equal(mtrrTypeAt(inv, 0x200000).type, WB);
  // above 4 GiB
  const hi = st({ variable: [variableRange(16 * GiB, 16 * GiB, WB, 36)] });
  assert.equal(mtrrTypeAt(hi, 20 * GiB).type, WB);
  assert.equal(mtrrTypeAt(hi, 4 * GiB).type, UC);
});

/* ---- brute-force reference, written differently: BigInt masks, rule table on sorted sets ---- */
function refType(s: MtrrState, addr: number): { type: number; undef: boolean } {
  if (!s.enabled) return { type: UC, undef: false };
  if (s.fixedEnabled && addr < MiB) {
    const bounds: Array<[number, number]> = [];
    for (let a = 0; a < 0x80000; a += 0x10000) bounds.push([a, 0x10000]);
    for (let a = 0x80000; a < 0xc0000; a += 0x4000) bounds.push([a, 0x4000]);
    for (let a = 0xc0000; a < MiB; a += 0x1000) bounds.push([a, 0x1000]);
    const k = bounds.findIndex(([a, sz]) => addr >= a && addr < a + sz);
    return { type: s.fixed[k]!, undef: false };
  }
  const m = (1n << BigInt(s.physAddrBits)) - 4096n;
  const hits = s.variable
    .filter((v) => v.valid && (BigInt(addr) & BigInt(v.mask) & m) === (BigInt(v.base) & BigInt(v.mask) & m))
    .map((v) => v.type);
  if (hits.length === 0) return { type: s.defType, undef: false };
  const uniq = [...new Set(hits)].sort((a, b) => a - b).join(',');
  if (!uniq.includes(',')) return { type: hits[0]!, undef: false };
  if (uniq.split(',').includes(String(UC))) return { type: UC, undef: false };
  if (uniq === `${WT},${WB}`) return { type: WT, undef: false };
  return { type: UC, undef: true };
}

const mtrrType = fc.constantFrom<MtrrType>(UC, WC, WT, WP, WB);
const varType = fc.constantFrom<MtrrType>(UC, WC, WT, WP, WB, WB, WT, WT); // bias towards the WT/WB rule
const physBits = 36;
const varRange: fc.Arbitrary<VariableMtrr> = fc
  .record({ log: fc.integer({ min: 12, max: physBits }), slot: fc.nat(), type: varType, valid: fc.boolean() })
  .map(({ log, slot, type, valid }) => {
    const size = 2 ** log;
    const base = (slot % 2 ** (physBits - log)) * size;
    return { ...variableRange(base, size, type, physBits), valid };
  });
// addresses biased towards the first MiB and the 4 GiB boundary region
const addr = fc.oneof(
  fc.integer({ min: 0, max: MiB - 1 }),
  fc.integer({ min: 0, max: 2 ** physBits - 1 }),
  fc.integer({ min: 0, max: 8 * GiB - 1 }),
);

test('property: mtrrTypeAt agrees with a brute-force reference', () => {
  fc.assert(
    fc.property(
      fc.record({
        enabled: fc.boolean(),
        fixedEnabled: fc.boolean(),
        defType: mtrrType,
        fixed: fc.array(mtrrType, { minLength: 88, maxLength: 88 }),
        variable: fc.array(varRange, { maxLength: 8 }),
      }),
      fc.array(addr, { minLength: 1, maxLength: 20 }),
      fc.array(fc.tuple(fc.nat(), fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true })), { maxLength: 10 }),
      (regs, addrs, inside) => {
        const s: MtrrState = { ...regs, physAddrBits: physBits };
        // also probe addresses inside the generated ranges, so overlaps are exercised
        const probes = [...addrs];
        for (const [k, f] of inside) {
          const v = s.variable[k % Math.max(1, s.variable.length)];
          if (v) probes.push(v.base + Math.floor(f * sizeFromMask(v.mask, physBits)));
        }
        for (const a of probes) {
          const got = mtrrTypeAt(s, a);
          const want = refType(s, a);
          assert.equal(got.type, want.type, `addr ${a.toString(16)}`);
          assert.equal(got.undefinedOverlap, want.undef);
        }
      },
    ),
    { numRuns: 500 },
  );
});

test('out-of-range address is rejected', () => {
  assert.throws(() => mtrrTypeAt(st({}), 2 ** 36), RangeError);
  assert.throws(() => mtrrTypeAt(st({}), -1), RangeError);
});
