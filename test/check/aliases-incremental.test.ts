/**
 * aliasesOf is incremental (src/check/aliases.ts): at each change step it
 * recomputes only inside the pfn ranges of the lives created, removed or
 * rebitted there, with the lives found through an interval index of the live
 * ones. This keeps the full sweep it replaced (every live life
 * and every open extent at every change step, as of 17a721c) as the
 * reference and requires the same report, byte for byte, on random
 * timelines built to stress what the incremental walk could miss: many
 * steps, lives mapped and unmapped again on the same pfns, lives spanning
 * all the others (the direct map), bits that change back and forth or
 * repeat, events at steps that are not in `tl.steps`, holds.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from '../fc.js';
import { advance, aliasesOf, aliasReport, changeSteps, type AliasReport, type ClosedConflict, type Extent, type Piece } from '../../src/check/aliases.js';
import type { EffectiveTypes } from '../../src/check/effective.js';
import { bitsAt, liveAt, type LifeKind, type MappingLife, type Timeline } from '../../src/check/timeline.js';
import { BASES, BITS, MACHINES } from './alias-machines.js';

/*
 * The reference: aliasesOf as it was before it became incremental (17a721c): every change step
 * sweeps every live life (conflictsAt below, unchanged) and advances every open extent with the
 * same per-pfn rule (advance) into the same report (aliasReport), which the incremental walk
 * left as they were.
 */

/**
 * The conflicts of one step as runs of pfns, in pfn order. The typed mappings
 * live at `s` (holds have no type of their own; `byPfn` is sorted by pfn) are
 * swept as extents; a stretch is evaluated only where a mapping other than
 * the linear maps covers it, or both linear maps do (the kernel image on
 * x86-64), one MTRR stretch at a time (EffectiveTypes.mtrrStretchEnd), so the
 * cost follows the extents, not their pages.
 */
function conflictsAt(byPfn: readonly MappingLife[], eff: EffectiveTypes, s: number): Piece[] {
  const live: MappingLife[] = [];
  const bits: number[] = [];
  for (const l of byPfn) {
    if (!liveAt(l, s)) continue;
    const b = bitsAt(l, s);
    if (b < 0) continue;
    live.push(l);
    bits.push(b);
  }
  const out: Piece[] = [];
  const active: number[] = [];
  let set = 0;
  let last: Piece | null = null;
  let i = 0;
  let x = 0;
  while (i < live.length || active.length > 0) {
    if (active.length === 0) x = live[i]!.pfn;
    while (i < live.length && live[i]!.pfn === x) {
      active.push(i++);
      set++;
    }
    let y = i < live.length ? live[i]!.pfn : Infinity;
    let other = false;
    let high = false;
    let direct = false;
    for (const a of active) {
      const l = live[a]!;
      y = Math.min(y, l.pfn + l.npages);
      if (l.kind === 'highmap') high = true;
      else if (l.kind === 'direct') direct = true;
      else other = true;
    }
    if (active.length >= 2 && (other || (high && direct))) {
      for (let p = x; p < y; ) {
        const e = Math.min(y, eff.mtrrStretchEnd(p));
        const codes = active.map((a) => eff.code(p, bits[a]!));
        let mask = 0;
        for (const c of codes) mask |= 1 << (c & 7);
        if (mask & (mask - 1)) {
          if (last !== null && last.set === set && last.pfn + last.n === p && last.codes.every((c, j) => c === codes[j])) last.n += e - p;
          else out.push((last = { pfn: p, n: e - p, lives: active.map((a) => live[a]!), codes, set }));
        }
        p = e;
      }
    }
    for (let j = active.length - 1; j >= 0; j--) {
      const l = live[active[j]!]!;
      if (l.pfn + l.npages === y) {
        active.splice(j, 1);
        set++;
      }
    }
    x = y;
  }
  return out;
}

function aliasesFullSweep(tl: Timeline, eff: EffectiveTypes): AliasReport {
  const byPfn = tl.lives.filter((l) => l.kind !== 'hold').sort((a, b) => a.pfn - b.pfn || a.id - b.id);
  let open: Extent[] = [];
  const closed: ClosedConflict[] = [];
  for (const s of changeSteps(tl)) open = advance(open, conflictsAt(byPfn, eff, s), s, closed);
  for (const e of open) closed.push({ pfn: e.pfn, n: e.n, o: e.o, to: null });
  return aliasReport(closed);
}

const KINDS: LifeKind[] = ['direct', 'direct', 'highmap', 'kmap', 'kmap_local', 'vmap', 'ioremap', 'user', 'user', 'hold'];

interface LifeSpec {
  kind: LifeKind;
  base: number;
  off: number;
  npages: number;
  /** A direct-map life over everything the others can touch (a direct-map run spanning most of memory). */
  huge: boolean;
  created: number;
  span: number | null;
  segs: [number, number][];
  owner: string;
}

const LIFE: fc.Arbitrary<LifeSpec> = fc.record({
  kind: fc.constantFrom(...KINDS),
  base: fc.constantFrom(...BASES),
  off: fc.nat(64),
  npages: fc.integer({ min: 1, max: 300 }),
  huge: fc.nat(9).map((x) => x === 0),
  created: fc.nat(24),
  span: fc.option(fc.integer({ min: 1, max: 12 }), { nil: null, freq: 4 }),
  segs: fc.array(fc.tuple(fc.nat(4), fc.constantFrom(...BITS)), { minLength: 1, maxLength: 5 }),
  owner: fc.constantFrom('a', 'b'),
});

/** A life mapped again after its removal: same pfns, owner and kind, a later life (the churn of kmap/kunmap on one page). */
const REMAP = fc.record({ of: fc.nat(40), gap: fc.nat(3), span: fc.option(fc.integer({ min: 1, max: 6 }), { nil: null }), bits: fc.constantFrom(...BITS) });

function timelineOf(spec: LifeSpec[], remaps: { of: number; gap: number; span: number | null; bits: number }[], steps: number[]): Timeline {
  const lives: MappingLife[] = spec.map((l, id) => {
    let from = l.created;
    const segments = l.segs.map(([gap, bits], j) => ({ from: (from += j === 0 ? 0 : gap + 1), bits4k: l.kind === 'hold' ? -1 : bits }));
    const [pfn, npages] = l.huge && l.kind === 'direct' ? [0, 0x80400] : [l.base + l.off, l.npages];
    return { id, kind: l.kind, owner: l.owner, vaddr: null, pfn, npages, created: l.created, removed: l.span === null ? null : l.created + l.span, segments };
  });
  for (const r of remaps) {
    const l = lives[r.of % lives.length]!;
    if (l.removed === null) continue;
    const created = l.removed + r.gap;
    const bits = l.kind === 'hold' ? -1 : r.bits;
    lives.push({ ...l, id: lives.length, created, removed: r.span === null ? null : created + r.span, segments: [{ from: created, bits4k: bits }] });
  }
  return { steps, lives, freeUses: [] };
}

/** Every step 0..40, or a sparse ascending subset (events then fall between recorded steps). */
const STEPS = fc.oneof(
  fc.constant(Array.from({ length: 41 }, (_, i) => i)),
  fc.uniqueArray(fc.nat(40), { minLength: 1, maxLength: 20 }).map((a) => [...a].sort((x, y) => x - y)),
);

test('property: the incremental alias walk gives the full sweep\'s report, byte for byte, on random timelines', () => {
  let aliased = 0;
  let closedMidway = 0;
  fc.assert(
    fc.property(fc.array(LIFE, { minLength: 1, maxLength: 24 }), fc.array(REMAP, { maxLength: 12 }), STEPS, fc.nat(MACHINES.length - 1), (spec, remaps, steps, mi) => {
      const tl = timelineOf(spec, remaps, steps);
      const eff = MACHINES[mi]!;
      const want = aliasesFullSweep(tl, eff);
      assert.equal(JSON.stringify(aliasesOf(tl, eff)), JSON.stringify(want));
      if (want.pages > 0) aliased++;
      if (want.ranges.some((r) => r.to !== null)) closedMidway++;
    }),
    { seed: 7319, numRuns: 1500 },
  );
  assert.ok(aliased >= 600, `only ${aliased} of 1500 timelines had an alias: the property would test little`);
  assert.ok(closedMidway >= 300, `only ${closedMidway} of 1500 timelines had an alias end before the last step`);
});

test('a life removed at a step closes its conflict there, with the steps after unchanged elsewhere', () => {
  // A WC ioremap over the WB direct map from step 1 to 3; a WB user mapping elsewhere changes at step 2 and 3 (dirty ranges away from it).
  const tl: Timeline = {
    steps: [0, 1, 2, 3, 4],
    lives: [
      { id: 0, kind: 'direct', owner: 'direct map', vaddr: null, pfn: 0x100, npages: 0x400, created: 0, removed: null, segments: [{ from: 0, bits4k: 0 }] },
      { id: 1, kind: 'ioremap', owner: 'ioremap', vaddr: null, pfn: 0x200, npages: 0x10, created: 1, removed: 3, segments: [{ from: 1, bits4k: 0x8 }] },
      { id: 2, kind: 'user', owner: 'a', vaddr: null, pfn: 0x300, npages: 4, created: 2, removed: null, segments: [{ from: 2, bits4k: 0 }, { from: 4, bits4k: 0x8 }] },
    ],
    freeUses: [],
  };
  const r = aliasesOf(tl, MACHINES[0]!);
  assert.equal(JSON.stringify(r), JSON.stringify(aliasesFullSweep(tl, MACHINES[0]!)));
  assert.deepEqual(
    r.ranges.map((x) => [x.pfn, x.npages, x.from, x.to, x.modes.join('/')]),
    [
      [0x200, 0x10, 1, 3, 'WC/WB'],
      [0x300, 4, 4, null, 'WC/WB'],
    ],
  );
});
