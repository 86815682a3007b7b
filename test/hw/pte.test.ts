import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from '../fc.js';
import {
  CM,
  CACHE_MODES,
  CacheModeTables,
  MT,
  PAGE_PAT,
  PAGE_PAT_LARGE,
  PAGE_PCD,
  PAGE_PSE,
  PAGE_PWT,
  PAT_ERRATA,
  PAT_NORMAL,
  PAT_RESET,
  PatLayoutError,
  decodePat,
  encodePat,
  hwPatTypeOf,
  memTypeToCacheMode,
  patIndex,
  protval4kToLarge,
  protvalLargeTo4k,
  type CacheMode,
  type MemType,
} from '../../src/hw/index.js';

const { WB, WC, UC_MINUS, UC, WT, WP } = CM;

test('bit constants (spec 01 §2.1)', () => {
  assert.equal(PAGE_PWT, 0x8);
  assert.equal(PAGE_PCD, 0x10);
  assert.equal(PAGE_PAT, 0x80);
  assert.equal(PAGE_PSE, 0x80);
  assert.equal(PAGE_PAT_LARGE, 0x1000);
});

test('patIndex reads bit 7 for 4K and bit 12 for large leaves', () => {
  assert.equal(patIndex(PAGE_PWT, '4k'), 1);
  assert.equal(patIndex(PAGE_PCD | PAGE_PWT, '4k'), 3);
  assert.equal(patIndex(PAGE_PAT | PAGE_PWT, '4k'), 5);
  // large leaf: bit 7 is PS and must not add 4
  assert.equal(patIndex(PAGE_PSE | PAGE_PCD, '2m'), 2);
  assert.equal(patIndex(PAGE_PSE | PAGE_PAT_LARGE | PAGE_PCD | PAGE_PWT, '1g'), 7);
  assert.equal(patIndex(PAGE_PAT_LARGE, '4k'), 0);
  assert.equal(patIndex(PAGE_PAT_LARGE, 'large'), 4);
});

test('4K <-> large conversions (spec 02 §3.2)', () => {
  assert.equal(protval4kToLarge(PAGE_PAT | PAGE_PWT | 0x3), PAGE_PAT_LARGE | PAGE_PWT | 0x3);
  assert.equal(protvalLargeTo4k(PAGE_PAT_LARGE | PAGE_PSE | PAGE_PCD), PAGE_PAT | PAGE_PCD);
  assert.equal(protvalLargeTo4k(PAGE_PSE), 0);
});

const lowBits = fc.integer({ min: 0, max: 0x7fffffff });

test('property: conversions round-trip and preserve the PAT index', () => {
  fc.assert(
    fc.property(lowBits, (b) => {
      const fourK = b & ~PAGE_PAT_LARGE; // a 4K value never uses bit 12 for caching
      assert.equal(protvalLargeTo4k(protval4kToLarge(fourK)), fourK);
      assert.equal(patIndex(protval4kToLarge(fourK), 'large'), patIndex(fourK, '4k'));
      const large = b & ~PAGE_PSE;
      assert.equal(protval4kToLarge(protvalLargeTo4k(large)), large);
      assert.equal(patIndex(protvalLargeTo4k(b), '4k'), patIndex(b, 'large'));
    }),
  );
});

function tableRow(t: CacheModeTables): number[] {
  const cm2pte = t.cm2pteTable();
  return [cm2pte[WB]!, cm2pte[WC]!, cm2pte[UC_MINUS]!, cm2pte[UC]!, cm2pte[WT]!, cm2pte[WP]!];
}

test('tables for the three layouts equal spec 02 §3.1', () => {
  const n = CacheModeTables.fromMsr(PAT_NORMAL);
  assert.deepEqual(n.pte2cmTable(), [WB, WC, UC_MINUS, UC, WB, WP, UC_MINUS, WT]);
  assert.deepEqual(tableRow(n), [0, PAGE_PWT, PAGE_PCD, PAGE_PCD | PAGE_PWT, PAGE_PAT | PAGE_PCD | PAGE_PWT, PAGE_PAT | PAGE_PWT]);
  assert.equal(n.x86HasPatWp(), true);

  const e = CacheModeTables.fromMsr(PAT_ERRATA);
  assert.deepEqual(e.pte2cmTable(), [WB, WC, UC_MINUS, UC, WB, WC, UC_MINUS, UC]);
  assert.deepEqual(tableRow(e), [0, PAGE_PWT, PAGE_PCD, PAGE_PCD | PAGE_PWT, PAGE_PCD, PAGE_PCD]);
  assert.equal(e.realizedCachemode(WT), UC_MINUS);
  assert.equal(e.realizedCachemode(WP), UC_MINUS);
  assert.equal(e.x86HasPatWp(), false);

  const r = CacheModeTables.fromMsr(PAT_RESET);
  assert.deepEqual(r.pte2cmTable(), [WB, WT, UC_MINUS, UC, WB, WT, UC_MINUS, UC]);
  assert.deepEqual(tableRow(r), [0, PAGE_PCD, PAGE_PCD, PAGE_PCD | PAGE_PWT, PAGE_PWT, PAGE_PCD]);
  assert.equal(r.realizedCachemode(WC), UC_MINUS);
  assert.equal(r.x86HasPatWp(), false);
});

test('default (pre-init) tables', () => {
  const d = CacheModeTables.defaults();
  assert.deepEqual(d.pte2cmTable(), [WB, UC_MINUS, UC_MINUS, UC, WB, UC_MINUS, UC_MINUS, UC]);
  assert.deepEqual(tableRow(d), [0, PAGE_PCD, PAGE_PCD, PAGE_PCD | PAGE_PWT, PAGE_PCD, PAGE_PCD]);
});

test('conversions on the normal layout', () => {
  const n = CacheModeTables.fromMsr(PAT_NORMAL);
  assert.equal(n.cachemode2protval(WB), 0);
  assert.equal(n.cachemode2protval(WT), 0x98);
  assert.equal(n.pgprot2cachemode(0x63), WB); // no cache bits
  assert.equal(n.pgprot2cachemode(0x63 | PAGE_PAT | PAGE_PWT), WP);
  // pgprotSetCachemode clears old cache bits, pgprotWritecombine does not
  assert.equal(n.pgprotSetCachemode(0x63 | PAGE_PCD, WC), 0x63 | PAGE_PWT);
  assert.equal(n.pgprotWritecombine(0x63 | PAGE_PCD), 0x63 | PAGE_PCD | PAGE_PWT);
  assert.equal(n.pgprot2cachemode(n.pgprotWritecombine(0x63 | PAGE_PCD)), UC);
  assert.equal(n.pgprotNoncached(0x63), 0x63 | PAGE_PCD);
  // large leaf read through leafCachemode: PAT_LARGE|PWT selects idx 5 (WP)
  assert.equal(n.leafCachemode(PAGE_PSE | PAGE_PAT_LARGE | PAGE_PWT, '2m'), WP);
  assert.equal(hwPatTypeOf(PAT_NORMAL, PAGE_PSE | PAGE_PCD, '2m'), MT.UC_MINUS);
});

test('slot 0 not WB: fromMsr throws PatLayoutError', () => {
  assert.throws(() => CacheModeTables.fromMsr(0x0407050600070100n), PatLayoutError);
});

const memType = fc.constantFrom<MemType>(MT.UC, MT.WC, MT.WT, MT.WP, MT.WB, MT.UC_MINUS);
const layout = fc
  .array(memType, { minLength: 7, maxLength: 7 })
  .map((rest) => encodePat([MT.WB, ...rest]));
const mode = fc.constantFrom<CacheMode>(...CACHE_MODES);

test('property: set then read returns the mode whenever the layout contains it', () => {
  fc.assert(
    fc.property(layout, mode, lowBits, (msr, cm, prot) => {
      const t = CacheModeTables.fromMsr(msr);
      const present = decodePat(msr).types.some((ty) => memTypeToCacheMode(ty) === cm);
      const got = t.pgprot2cachemode(t.pgprotSetCachemode(prot, cm));
      if (present) assert.equal(got, cm);
      // whatever mode results, the bits written select the lowest slot holding it
      if (present) {
        const idx = t.cachemodeIndex(cm);
        assert.equal(memTypeToCacheMode(decodePat(msr).types[idx]!), cm);
        for (let j = 0; j < idx; j++) assert.notEqual(memTypeToCacheMode(decodePat(msr).types[j]!), cm);
      }
      // non-cache bits are preserved
      assert.equal(t.pgprotSetCachemode(prot, cm) & ~0x98, prot & ~0x98);
    }),
  );
});

test('property: x86HasPatWp iff the layout contains WP', () => {
  fc.assert(
    fc.property(layout, (msr) => {
      const t = CacheModeTables.fromMsr(msr);
      assert.equal(t.x86HasPatWp(), decodePat(msr).types.includes(MT.WP));
    }),
  );
});
