/**
 * The pre-v6.5 `mtrr_type_lookup()` (Linux 6.1, arch/x86/kernel/cpu/mtrr/
 * generic.c; docs/kernel-versions.md §2, spec 02 §5.3 version note) against
 * values derived by hand from the kernel algorithm, against the v6.5+ map
 * walk where both must agree, and end to end through a 6.1 memtype trace.
 *
 * Notation in the derivations: `e` is the kernel's inclusive end (end - 1);
 * "s_in"/"e_in" say whether start/e lie in variable range i; "cut" is the
 * partial-overlap split that sets repeat; G = 2^30.
 */
import { PAGE_SIZE } from '../../src/hw/page.js';
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from '../fc.js';
import { MT, MTRR_TYPE_INVALID, type MtrrType } from '../../src/hw/cache-mode.js';
import { mtrrTypeAt, variableRange, type MtrrState as HwMtrrState } from '../../src/hw/mtrr.js';
import { fixedCellIndex } from '../../src/hw/mtrr.js';
import { LinuxMtrr, type MtrrState, type VarMtrr } from '../../src/kernel/mtrr/cache-map.js';
import { LegacyMtrrLookup } from '../../src/kernel/mtrr/legacy-lookup.js';
import { NotModelledError } from '../../src/kernel/not-modelled.js';
import { replayMemtypeTrace } from '../../src/io/trace/memtype-trace.js';

const G = 2 ** 30;
const FOUR_G = 2 ** 32;
const MIB = 0x100000;

function mk(o: Partial<MtrrState> & { variable?: VarMtrr[] }): MtrrState {
  return {
    defType: MT.UC,
    enabled: true,
    fixedEnabled: false,
    fixed: new Array<number>(88).fill(MT.WB),
    variable: [],
    vcnt: 8,
    tom2: 0,
    ...o,
  };
}

const legacy = (st: MtrrState | null, s: number, e: number) => new LegacyMtrrLookup(st).typeLookup(s, e);
const mainline = (st: MtrrState | null, s: number, e: number) => new LinuxMtrr(st).typeLookup(s, e);

test('no MTRR state: 6.1 gives INVALID (uniform unwritten, modelled as 1); v6.5+ gives (UC, 0)', () => {
  // !mtrr_state_set -> return MTRR_TYPE_INVALID before *uniform is written.
  assert.deepEqual(legacy(null, 0xd0000000, 0xd0001000), { type: MTRR_TYPE_INVALID, uniform: true });
  assert.deepEqual(mainline(null, 0xd0000000, 0xd0001000), { type: MT.UC, uniform: false });
});

test('MTRRs disabled (E = 0): 6.1 gives INVALID even below 1 MiB; v6.5+ gives (UC, 1)', () => {
  // !(enabled & E) -> INVALID; checked before the fixed-range branch.
  const st = mk({ enabled: false, fixedEnabled: true, defType: MT.WB });
  assert.deepEqual(legacy(st, 0, 0x1000), { type: MTRR_TYPE_INVALID, uniform: true });
  assert.deepEqual(legacy(st, 0xd0000000, 0xd0001000), { type: MTRR_TYPE_INVALID, uniform: true });
  assert.deepEqual(mainline(st, 0xd0000000, 0xd0001000), { type: MT.UC, uniform: true });
});

test('fixed path: a range starting below 1 MiB takes the fixed cell of start alone, uniform 0', () => {
  // fixed all WB, var0 UC [1M, 2M), default UC.
  // [0xff000, 0x101000): start < 1 MiB, FE set -> fixed[24 + (0x3f000 >> 12)] = fixed[87] = WB,
  // uniform 0; the UC variable range past 1 MiB is never looked at.
  // v6.5+: map = fixed [0, 1M) WB, var [1M, 2M) UC; walk WB then UC -> (UC, 0).
  const st = mk({ fixedEnabled: true, variable: [{ base: MIB, size: MIB, type: MT.UC }] });
  assert.deepEqual(legacy(st, 0xff000, 0x101000), { type: MT.WB, uniform: false });
  assert.deepEqual(mainline(st, 0xff000, 0x101000), { type: MT.UC, uniform: false });

  // Only start's cell counts inside the first MiB too: cell 12 (0x90000, 16K cell
  // 8 + (0x10000 >> 14)) is UC, the range [0, 0xa0000) starts in cell 0 (WB).
  const fixed = new Array<number>(88).fill(MT.WB);
  fixed[fixedCellIndex(0x90000)!] = MT.UC;
  const st2 = mk({ fixedEnabled: true, fixed });
  assert.equal(fixedCellIndex(0x90000), 12);
  assert.deepEqual(legacy(st2, 0, 0xa0000), { type: MT.WB, uniform: false });
  assert.deepEqual(mainline(st2, 0, 0xa0000), { type: MT.UC, uniform: false });
  // A single page wholly in one cell is still uniform 0 in 6.1 (is_uniform = 0 on this path).
  assert.deepEqual(legacy(st2, 0x90000, 0x91000), { type: MT.UC, uniform: false });
  assert.deepEqual(mainline(st2, 0x90000, 0x91000), { type: MT.UC, uniform: true });
  // 64K cell 1 (start 0x10000), 4K cell 24 + 0x3f.
  fixed[1] = MT.WC;
  fixed[87] = MT.WP;
  const st3 = mk({ fixedEnabled: true, fixed });
  assert.equal(legacy(st3, 0x1f000, 0x20000).type, MT.WC);
  assert.equal(legacy(st3, 0xff800, 0xfffff).type, MT.WP);
});

test('FE clear: below 1 MiB the variable ranges and the default type apply', () => {
  // fixed cells all UC but FE = 0; var0 WC [0, 1M); default WB.
  // [0x1000, 0x2000): var0 s_in, e_in, no cut -> WC, uniform 1.
  // [0x100000, 0x101000): var0 out/out, base 0 not inside -> default WB, uniform 1.
  const st = mk({ defType: MT.WB, fixed: new Array<number>(88).fill(MT.UC), variable: [{ base: 0, size: MIB, type: MT.WC }] });
  assert.deepEqual(legacy(st, 0x1000, 0x2000), { type: MT.WC, uniform: true });
  assert.deepEqual(legacy(st, MIB, MIB + 0x1000), { type: MT.WB, uniform: true });
});

test('variable ranges: default type, one match, and two matches (uniform 0 even when the map is one entry)', () => {
  // default UC, no match for [2M, 4M): default UC, uniform 1.
  const st0 = mk({ variable: [{ base: 0, size: MIB, type: MT.WB }] });
  assert.deepEqual(legacy(st0, 2 * MIB, 4 * MIB), { type: MT.UC, uniform: true });
  // var0 WB [0, 1G): [1M, 2M) s_in/e_in -> WB, uniform 1.
  const st1 = mk({ variable: [{ base: 0, size: G, type: MT.WB }] });
  assert.deepEqual(legacy(st1, MIB, 2 * MIB), { type: MT.WB, uniform: true });
  // var0 WB [0, 1G), var1 WT [0, 512M): both contain start, no cuts. i=0: prev = WB;
  // i=1: uniform = 0, overlap(WB, WT) -> WT (not UC) -> result (WT, 0).
  // v6.5+: map [0, 512M) WT, [512M, 1G) WB; [1M, 2M) is one entry -> (WT, 1).
  const st2 = mk({ variable: [{ base: 0, size: G, type: MT.WB }, { base: 0, size: G / 2, type: MT.WT }] });
  assert.deepEqual(legacy(st2, MIB, 2 * MIB), { type: MT.WT, uniform: false });
  assert.deepEqual(mainline(st2, MIB, 2 * MIB), { type: MT.WT, uniform: true });
});

test('early UC exit on a conflict between matching ranges', () => {
  // var0 WB [0, 1G), var1 WC [2M, 4M), var2 WT [2M, 4M); [2M, 2M+4K).
  // i=0: prev = WB. i=1: uniform = 0; overlap(WB, WC): differ -> UC, return at once (var2 unseen).
  const st = mk({
    defType: MT.WB,
    variable: [
      { base: 0, size: G, type: MT.WB },
      { base: 2 * MIB, size: 2 * MIB, type: MT.WC },
      { base: 2 * MIB, size: 2 * MIB, type: MT.WT },
    ],
  });
  assert.deepEqual(legacy(st, 2 * MIB, 2 * MIB + 0x1000), { type: MT.UC, uniform: false });
});

test('partial overlap (repeat): start inside a range, then WB + WT pieces give WT', () => {
  // var0 WB [0, 2M), var1 WT [2M, 4M), default UC; [0x1ff000, 0x201000), e = 0x200fff.
  // Lookup 1: i=0 s_in, e_out -> cut at base + size = 2M, e := 0x1fffff, repeat; prev = WB.
  //   i=1: s out, e (0x1fffff) out, 0x1ff000 < 2M but e > 2M false -> no cut. Type WB.
  // Loop: start = 2M, lookup 2 of [2M, 0x200fff]: i=1 s_in/e_in -> WT, no repeat.
  //   overlap(WB, WT) -> WT, not UC. No TOM2. Result (WT, 0); v6.5+ agrees.
  const st = mk({ variable: [{ base: 0, size: 2 * MIB, type: MT.WB }, { base: 2 * MIB, size: 2 * MIB, type: MT.WT }] });
  assert.deepEqual(legacy(st, 0x1ff000, 0x201000), { type: MT.WT, uniform: false });
  assert.deepEqual(mainline(st, 0x1ff000, 0x201000), { type: MT.WT, uniform: false });
});

test('partial overlap: a range strictly inside [start, end] cuts at its base, three pieces', () => {
  // default WB, var0 WT [2M, 3M); [1M, 4M), e = 0x3fffff.
  // Lookup 1: s out, e out, 1M < 2M && e > 2M (inclusive) -> cut at base 2M; default WB.
  // Lookup 2 at 2M: s_in, e_out -> cut at 3M; WT. overlap(WB, WT) -> WT.
  // Lookup 3 at 3M: out/out, 3M < 2M false -> default WB, no repeat. overlap(WT, WB) -> WT.
  // Result (WT, 0); v6.5+: WB, WT, WB -> WT, uniform 0.
  const st = mk({ defType: MT.WB, variable: [{ base: 2 * MIB, size: MIB, type: MT.WT }] });
  assert.deepEqual(legacy(st, MIB, 4 * MIB), { type: MT.WT, uniform: false });
  assert.deepEqual(mainline(st, MIB, 4 * MIB), { type: MT.WT, uniform: false });
  // Same shape with a UC range: the second piece is UC -> overlap returns UC at once.
  const stUc = mk({ defType: MT.WB, variable: [{ base: 2 * MIB, size: MIB, type: MT.UC }] });
  assert.deepEqual(legacy(stUc, MIB, 4 * MIB), { type: MT.UC, uniform: false });
});

test('partial overlap: the smallest cut wins when several ranges cut', () => {
  // default UC, var0 WB [0, 8M), var1 WB [3M, 4M), var2 WC [6M, 7M).
  // [1M, 8M), e = 0x7fffff. Lookup 1: i=0 s_in/e_in, prev = WB. i=1: inclusive -> cut 3M,
  // e := 0x2fffff. i=2: with the narrowed e, out/out and 1M < 6M but e < 6M -> no cut.
  // Type WB, partial_end 3M. Lookup 2 at 3M: i=0 in, e (orig 0x7fffff) in; i=1 s_in, e_out ->
  // cut 4M; prev WB then WB (uniform 0, same) ; i=2: e = 0x3fffff < 6M -> no cut. WB.
  // Lookup 3 at 4M: i=0 in/in; i=1 out/out; i=2 inclusive -> cut 6M; WB.
  // Lookup 4 at 6M: i=0 in; i=2 s_in, e out -> cut 7M; overlap(WB, WC) -> UC exit.
  // Loop: overlap(WB, UC) -> UC. Result (UC, 0).
  const st = mk({
    variable: [
      { base: 0, size: 8 * MIB, type: MT.WB },
      { base: 3 * MIB, size: MIB, type: MT.WB },
      { base: 6 * MIB, size: MIB, type: MT.WC },
    ],
  });
  assert.deepEqual(legacy(st, MIB, 8 * MIB), { type: MT.UC, uniform: false });
  // Stop before the WC range: pieces [1M,3M) [3M,4M) [4M,6M) all WB -> (WB, 0) (v6.5+: (WB, 1)).
  assert.deepEqual(legacy(st, MIB, 6 * MIB), { type: MT.WB, uniform: false });
  assert.deepEqual(mainline(st, MIB, 6 * MIB), { type: MT.WB, uniform: true });

  // The narrowed end hides later registers: default WB, var0 UC [2M, 3M), var1 WB [4M, 5M);
  // [1M, 8M). Lookup 1: i=0 inclusive -> cut 2M, e := 0x1fffff; i=1: 1M < 4M but e < 4M -> no
  // cut (with the original e it would cut at 4M and swallow the UC range). Default WB.
  // Lookup 2 at 2M: var0 s_in, e_out -> UC. overlap(WB, UC) -> UC, uniform 0.
  const st2 = mk({
    defType: MT.WB,
    variable: [
      { base: 2 * MIB, size: MIB, type: MT.UC },
      { base: 4 * MIB, size: MIB, type: MT.WB },
    ],
  });
  assert.deepEqual(legacy(st2, MIB, 8 * MIB), { type: MT.UC, uniform: false });
});

test('TOM2: forces WB inside [4G, tom2), even over a variable UC range', () => {
  // tom2 = 8G, default UC, var0 UC [4G+2M, 4G+4M).
  // [4G+2M, 4G+3M): s_in/e_in, no cut -> UC, uniform 1; start >= 4G and e < 8G -> WB.
  // v6.5+: TOM2 is a fixed entry the UC range cannot override -> (WB, 1).
  const st = mk({ tom2: 2 * FOUR_G, variable: [{ base: FOUR_G + 2 * MIB, size: 2 * MIB, type: MT.UC }] });
  assert.deepEqual(legacy(st, FOUR_G + 2 * MIB, FOUR_G + 3 * MIB), { type: MT.WB, uniform: true });
  assert.deepEqual(mainline(st, FOUR_G + 2 * MIB, FOUR_G + 3 * MIB), { type: MT.WB, uniform: true });
  // Plain default UC inside TOM2 -> WB as well.
  assert.deepEqual(legacy(st, FOUR_G, FOUR_G + 0x1000), { type: MT.WB, uniform: true });
});

test('TOM2 overridden by a variable UC range when the lookup is cut (6.1 UC, v6.5+ WB)', () => {
  // Same machine; [4G, 4G+4M), e = 4G+4M-1.
  // Lookup 1: var0 s out, e in -> cut at base 4G+2M; default UC. repeat.
  // Loop: lookup 2 at 4G+2M: s_in/e_in -> UC. overlap(UC, UC) returns 1 (UC) -> goto out:
  // the TOM2 rule is skipped. Result (UC, 0).
  // v6.5+: [4G, 8G) is the fixed TOM2 entry -> (WB, 1).
  const st = mk({ tom2: 2 * FOUR_G, variable: [{ base: FOUR_G + 2 * MIB, size: 2 * MIB, type: MT.UC }] });
  assert.deepEqual(legacy(st, FOUR_G, FOUR_G + 4 * MIB), { type: MT.UC, uniform: false });
  assert.deepEqual(mainline(st, FOUR_G, FOUR_G + 4 * MIB), { type: MT.WB, uniform: true });
  // Conflict inside one lookup with a cut: var1 WB [4G, 4G+2M), var2 WC [4G, 4G+2M), default WB.
  // [4G, 4G+4M): i=0 s_in, e_out -> cut 4G+2M, prev WB; i=1 s_in/e_in (narrowed) -> overlap(WB, WC)
  // -> UC exit with repeat 1. Loop: overlap(UC, default WB) -> UC. (UC, 0); v6.5+ (WB, 1).
  const st2 = mk({
    defType: MT.WB,
    tom2: 2 * FOUR_G,
    variable: [
      { base: FOUR_G, size: 2 * MIB, type: MT.WB },
      { base: FOUR_G, size: 2 * MIB, type: MT.WC },
    ],
  });
  assert.deepEqual(legacy(st2, FOUR_G, FOUR_G + 4 * MIB), { type: MT.UC, uniform: false });
  assert.deepEqual(mainline(st2, FOUR_G, FOUR_G + 4 * MIB), { type: MT.WB, uniform: true });
});

test('TOM2 edges: end at/above tom2 does not qualify; the last piece start decides', () => {
  // tom2 = 8G, default UC, no ranges. [8G-4K, 8G+4K): default UC, no cut; e = 8G+4K-1 >= tom2
  // -> stays UC, uniform 1. v6.5+: WB (TOM2 entry) then default UC -> (UC, 0).
  const st = mk({ tom2: 2 * FOUR_G });
  assert.deepEqual(legacy(st, 2 * FOUR_G - 0x1000, 2 * FOUR_G + 0x1000), { type: MT.UC, uniform: true });
  assert.deepEqual(mainline(st, 2 * FOUR_G - 0x1000, 2 * FOUR_G + 0x1000), { type: MT.UC, uniform: false });
  // A range starting below 4G: var0 WT [0, 4G), var1 WT [4G, 4G+2M), default UC.
  // [4G-4K, 4G+4K): lookup 1: var0 s_in, e_out -> cut 4G; WT. Lookup 2 at 4G: var1 in/in -> WT;
  // overlap(WT, WT) = WT. Loop ends with start = 4G >= 4G and e < 8G -> WB (uniform 0).
  // v6.5+: var0 WT then the TOM2 entry WB; merge(WT, WB) = WT leaves the accumulated type
  // unchanged -> (WT, 1).
  const st2 = mk({
    tom2: 2 * FOUR_G,
    variable: [
      { base: 0, size: FOUR_G, type: MT.WT },
      { base: FOUR_G, size: 2 * MIB, type: MT.WT },
    ],
  });
  assert.deepEqual(legacy(st2, FOUR_G - 0x1000, FOUR_G + 0x1000), { type: MT.WB, uniform: false });
  assert.deepEqual(mainline(st2, FOUR_G - 0x1000, FOUR_G + 0x1000), { type: MT.WT, uniform: true });
  // A range below 4G never qualifies: [4G-8K, 4G-4K) -> var0 WT, uniform 1.
  assert.deepEqual(legacy(st2, FOUR_G - 0x2000, FOUR_G - 0x1000), { type: MT.WT, uniform: true });
  // The fixed path skips TOM2 as well (tom2 irrelevant below 1 MiB anyway): fixed WB.
  assert.deepEqual(legacy(mk({ tom2: 2 * FOUR_G, fixedEnabled: true }), 0, 0x1000), { type: MT.WB, uniform: false });
});

test('empty/inverted ranges: computed like the kernel unless the WARN_ON path is reached', () => {
  // start == end: e = start - 1. No ranges -> default type, uniform 1 (the kernel answers too).
  assert.deepEqual(legacy(mk({ defType: MT.WB }), 0x300000, 0x300000), { type: MT.WB, uniform: true });
  // var0 WB [2M, 3M); [3M, 3M): s out, e = 3M-1 in -> cut at base 2M <= start: the kernel
  // WARNs and steps a page at a time; not modelled.
  const st = mk({ variable: [{ base: 2 * MIB, size: MIB, type: MT.WB }] });
  assert.throws(() => legacy(st, 3 * MIB, 3 * MIB), NotModelledError);
});

// ---------------------------------------------------------------------------
// Properties

const mtype = fc.constantFrom<MtrrType>(MT.UC, MT.WC, MT.WT, MT.WP, MT.WB);
const PAGE = PAGE_SIZE;
const SPACE = 1 << 24;

const varRange = fc
  .integer({ min: 12, max: 23 })
  .chain((log) => fc.record({ size: fc.constant(2 ** log), idx: fc.integer({ min: 0, max: SPACE / 2 ** log - 1 }), type: mtype }))
  .map((v) => ({ base: v.idx * v.size, size: v.size, type: v.type }));

const machine = fc.record({
  defType: mtype,
  fixedEnabled: fc.boolean(),
  fixed: fc.array(mtype, { minLength: 88, maxLength: 88 }),
  variable: fc.array(varRange, { maxLength: 6 }),
});

/** A sub-range [s, e) of one 4 KiB page at or above 1 MiB. */
const inPage = fc
  .record({ page: fc.integer({ min: MIB / PAGE, max: SPACE / PAGE - 1 }), a: fc.integer({ min: 0, max: PAGE - 1 }), len: fc.integer({ min: 1, max: PAGE }) })
  .map(({ page, a, len }) => ({ s: page * PAGE + a, e: page * PAGE + Math.min(PAGE, a + len) }));

test('property: within one page above 1 MiB and without TOM2, 6.1 and v6.5+ give the same type', () => {
  fc.assert(
    fc.property(machine, fc.array(inPage, { minLength: 1, maxLength: 30 }), (m, ranges) => {
      const st = mk({ ...m, tom2: 0 });
      const old = new LegacyMtrrLookup(st);
      const cur = new LinuxMtrr(st);
      for (const { s, e } of ranges) {
        const a = old.typeLookup(s, e);
        assert.equal(a.type, cur.typeLookup(s, e).type, `[${s.toString(16)}, ${e.toString(16)})`);
        // One page never crosses an MTRR boundary: no cut, so uniform = "at most one match".
        const matches = st.variable.filter((v) => s >= v.base && s < v.base + v.size).length;
        assert.equal(a.uniform, matches <= 1);
      }
    }),
    { numRuns: 300 },
  );
});

test('property: a 6.1 page lookup equals the hardware rule wherever the SDM defines it', () => {
  fc.assert(
    fc.property(machine, fc.array(fc.integer({ min: 0, max: SPACE / PAGE - 1 }), { minLength: 1, maxLength: 30 }), (m, pages) => {
      const st = mk(m);
      const hw: HwMtrrState = {
        enabled: true,
        fixedEnabled: m.fixedEnabled,
        defType: m.defType,
        fixed: m.fixed,
        variable: m.variable.map((v) => variableRange(v.base, v.size, v.type, 36)),
        physAddrBits: 36,
      };
      const old = new LegacyMtrrLookup(st);
      for (const p of pages) {
        const h = mtrrTypeAt(hw, p * PAGE);
        if (h.undefinedOverlap) continue;
        assert.equal(old.typeLookup(p * PAGE, p * PAGE + PAGE).type, h.type, `page ${p.toString(16)}`);
      }
    }),
    { numRuns: 200 },
  );
});

// ---------------------------------------------------------------------------
// End to end: memtype trace replayed as 6.1 and as mainline

test('trace: WB reservation crossing 1 MiB and tail free differ between 6.1 and mainline', () => {
  // Machine: PAT on, no RAM lines (everything non-RAM), MTRR default UC, fixed WB,
  // var UC [1M, 2M).
  // reserve [0xff000, 0x101000) WB: not ISA-untracked (end > 1 MiB), non-RAM, so
  // pat_x_mtrr_type asks mtrr_type_lookup: 6.1 -> fixed[87] = WB -> keep WB;
  // mainline -> map walk WB then UC -> UC -> uncached-minus.
  // Then two UC- entries with equal start 0xd0000000 (the longer one first) and a free of
  // the longer one's tail [0xd0002000, 0xd0004000): 6.1 has no exact match, takes the end
  // match and shrinks it to [0xd0000000, 0xd0002000), removed and re-inserted after the
  // equal-start entry -> dump order flips; mainline has no exact match -> EINVAL + message.
  const trace = [
    '# memtype-trace v1',
    'pat on',
    'mtrr default uc',
    'mtrr fixed wb',
    'mtrr var 0x100000 0x100000 uc',
    'reserve 0xff000 0x101000 write-back',
    'reserve 0xd0000000 0xd0004000 uncached-minus',
    'reserve 0xd0000000 0xd0001000 uncached-minus',
    'free 0xd0002000 0xd0004000',
    'dump',
    '',
  ].join('\n');
  const old = replayMemtypeTrace(trace, { file: 't', kernel: '6.1' });
  assert.equal(
    old,
    [
      'ok write-back',
      'ok uncached-minus',
      'ok uncached-minus',
      'ok',
      'dump: PAT memtype list:',
      'dump: PAT: [mem 0x00000000000ff000-0x0000000000101000] write-back',
      'dump: PAT: [mem 0x00000000d0000000-0x00000000d0001000] uncached-minus',
      'dump: PAT: [mem 0x00000000d0000000-0x00000000d0002000] uncached-minus',
      '',
    ].join('\n'),
  );
  const cur = replayMemtypeTrace(trace, { file: 't' });
  assert.equal(
    cur,
    [
      'ok uncached-minus',
      'ok uncached-minus',
      'ok uncached-minus',
      'log: x86/PAT: replay:1 freeing invalid memtype [mem 0xd0002000-0xd0003fff]',
      'err EINVAL',
      'dump: PAT memtype list:',
      'dump: PAT: [mem 0x00000000000ff000-0x0000000000101000] uncached-minus',
      'dump: PAT: [mem 0x00000000d0000000-0x00000000d0004000] uncached-minus',
      'dump: PAT: [mem 0x00000000d0000000-0x00000000d0001000] uncached-minus',
      '',
    ].join('\n'),
  );
});

test('trace: MTRRs disabled -> WB request becomes UC- in 6.1 (INVALID, Debian 6.1.33+) and mainline (UC)', () => {
  // 6.1: lookup INVALID, pat_x_mtrr_type keeps WB only for WB (kernel-versions §3) -> UC-.
  // mainline: lookup (UC, 1) -> UC-. They must agree.
  const trace = ['pat on', 'mtrr default wb', 'mtrr disabled', 'reserve 0xd0000000 0xd0001000 write-back', 'mtrr-lookup 0xd0000000 0xd0001000', ''].join('\n');
  assert.equal(replayMemtypeTrace(trace, { file: 't', kernel: '6.1' }), 'ok uncached-minus\ninvalid 1\n');
  assert.equal(replayMemtypeTrace(trace, { file: 't' }), 'ok uncached-minus\nuc 1\n');
});
