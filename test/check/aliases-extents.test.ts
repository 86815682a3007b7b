/**
 * The alias check walks extents (src/check/aliases.ts); its definition is per
 * pfn (docs/checks.md §2). This keeps the per-pfn evaluation it replaced as
 * the reference model and requires the same report, range for range, on
 * random timelines: overlapping lives of every kind, bits changing over
 * steps, on machines whose MTRR type changes inside 2 MiB blocks, at block
 * edges and below 1 MiB. Severity (`isHigh`) is one definition, shared: what
 * is checked here is the walk.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from '../fc.js';
import { aliasesOf, aliasReport, changeSteps, openOf, type AliasReport, type ClosedConflict, type Open } from '../../src/check/aliases.js';
import type { EffectiveTypes } from '../../src/check/effective.js';
import { bitsAt, liveAt, type LifeKind, type MappingLife, type Timeline } from '../../src/check/timeline.js';
import { BASES, BITS, MACHINES } from './alias-machines.js';

/**
 * The conflicts of one step, per pfn: the typed mappings live at `s` (holds
 * have no type of their own), evaluated only on pfns that a mapping other
 * than the linear maps covers, or that both linear maps cover.
 */
function conflictsAtPerPage(tl: Timeline, eff: EffectiveTypes, s: number): Map<number, { codes: number[]; lives: MappingLife[] }> {
  const live = tl.lives.filter((l) => l.kind !== 'hold' && liveAt(l, s) && bitsAt(l, s) >= 0);
  const other = live.filter((l) => l.kind !== 'direct' && l.kind !== 'highmap');
  const linear = live.filter((l) => l.kind === 'direct' || l.kind === 'highmap');
  // First pass: a mask of effective types per pfn (bits 0-6), cheap enough for 10^5-page mappings.
  const mask = new Map<number, number>();
  for (const l of other) {
    const bits = bitsAt(l, s);
    for (let i = 0; i < l.npages; i++) {
      const pfn = l.pfn + i;
      mask.set(pfn, (mask.get(pfn) ?? 0) | (1 << (eff.code(pfn, bits) & 7)));
    }
  }
  // Pfns in both linear maps (the kernel image on x86-64) can alias each other.
  for (const h of linear) {
    if (h.kind !== 'highmap') continue;
    for (const d of linear) {
      if (d.kind !== 'direct') continue;
      const lo = Math.max(d.pfn, h.pfn);
      const hi = Math.min(d.pfn + d.npages, h.pfn + h.npages);
      for (let p = lo; p < hi; p++) if (!mask.has(p)) mask.set(p, 0);
    }
  }
  for (const l of linear) {
    const bits = bitsAt(l, s);
    for (let i = 0; i < l.npages; i++) {
      const pfn = l.pfn + i;
      const m = mask.get(pfn);
      if (m !== undefined) mask.set(pfn, m | (1 << (eff.code(pfn, bits) & 7)));
    }
  }
  // Second pass, only for the pfns holding two types: which mappings, with which codes.
  const perPfn = new Map<number, { codes: number[]; lives: MappingLife[] }>();
  for (const [pfn, m] of mask) if (m & (m - 1)) perPfn.set(pfn, { codes: [], lives: [] });
  if (perPfn.size === 0) return perPfn;
  for (const l of [...other, ...linear]) {
    const bits = bitsAt(l, s);
    for (let i = 0; i < l.npages; i++) {
      const e = perPfn.get(l.pfn + i);
      if (!e) continue;
      e.codes.push(eff.code(l.pfn + i, bits));
      e.lives.push(l);
    }
  }
  return perPfn;
}

/** The per-pfn rule itself: each pfn's conflict opens, stays while its mappings and types stay, closes when they change or go. */
function aliasesPerPage(tl: Timeline, eff: EffectiveTypes): AliasReport {
  const open = new Map<number, Open>();
  const closed: ClosedConflict[] = [];
  for (const s of changeSteps(tl)) {
    const now = conflictsAtPerPage(tl, eff, s);
    for (const [pfn, o] of open) {
      if (!now.has(pfn)) {
        closed.push({ pfn, n: 1, o, to: s });
        open.delete(pfn);
      }
    }
    for (const [pfn, c] of now) {
      const o = openOf({ pfn, n: 1, lives: c.lives, codes: c.codes, set: 0 }, s);
      const prev = open.get(pfn);
      if (prev && prev.sig === o.sig) continue;
      if (prev) closed.push({ pfn, n: 1, o: prev, to: s });
      open.set(pfn, o);
    }
  }
  for (const [pfn, o] of open) closed.push({ pfn, n: 1, o, to: null });
  return aliasReport(closed);
}

const KINDS: LifeKind[] = ['direct', 'highmap', 'kmap', 'kmap_local', 'vmap', 'ioremap', 'user', 'hold'];

const LIFE: fc.Arbitrary<LifeSpec> = fc.record({
  kind: fc.constantFrom(...KINDS),
  base: fc.constantFrom(...BASES),
  off: fc.nat(400),
  npages: fc.integer({ min: 1, max: 600 }),
  created: fc.nat(3),
  span: fc.option(fc.integer({ min: 1, max: 4 }), { nil: null }),
  segs: fc.array(fc.tuple(fc.nat(2), fc.constantFrom(...BITS)), { minLength: 1, maxLength: 3 }),
  owner: fc.constantFrom('a', 'b'),
});

interface LifeSpec {
  kind: LifeKind;
  base: number;
  off: number;
  npages: number;
  created: number;
  span: number | null;
  segs: [number, number][];
  owner: string;
}

function timelineOf(spec: LifeSpec[]): Timeline {
  const lives: MappingLife[] = spec.map((l, id) => {
    let from = l.created;
    const segments = l.segs.map(([gap, bits], j) => ({ from: (from += j === 0 ? 0 : gap + 1), bits4k: l.kind === 'hold' ? -1 : bits }));
    return { id, kind: l.kind, owner: l.owner, vaddr: null, pfn: l.base + l.off, npages: l.npages, created: l.created, removed: l.span === null ? null : l.created + l.span, segments };
  });
  return { steps: [0, 1, 2, 3, 4, 5, 6, 7, 8], lives, freeUses: [] };
}

test('property: the extent sweep gives the per-pfn report, range for range, on random timelines', () => {
  let aliased = 0;
  fc.assert(
    fc.property(fc.array(LIFE, { minLength: 1, maxLength: 14 }), fc.nat(MACHINES.length - 1), (spec, mi) => {
      const tl = timelineOf(spec);
      const eff = MACHINES[mi]!;
      const want = aliasesPerPage(tl, eff);
      assert.deepEqual(aliasesOf(tl, eff), want);
      if (want.pages > 0) aliased++;
    }),
    { seed: 4242, numRuns: 600 },
  );
  assert.ok(aliased >= 200, `only ${aliased} of 600 timelines had an alias: the property would test little`);
});

test('the extent sweep splits a run where the MTRR type changes inside it', () => {
  // A WB user mapping over a WC direct map across the 2 GiB edge where the MTRRs turn UC: both types change at the edge.
  const tl: Timeline = {
    steps: [0, 1],
    lives: [
      { id: 0, kind: 'direct', owner: 'direct map', vaddr: null, pfn: 0x7fe00, npages: 0x400, created: 0, removed: null, segments: [{ from: 0, bits4k: 0x8 }] },
      { id: 1, kind: 'user', owner: 'a', vaddr: null, pfn: 0x7fe00, npages: 0x400, created: 1, removed: null, segments: [{ from: 1, bits4k: 0 }] },
    ],
    freeUses: [],
  };
  const r = aliasesOf(tl, MACHINES[0]!);
  assert.deepEqual(
    r.ranges.map((x) => [x.pfn, x.npages, x.modes.join('/')]),
    [
      [0x7fe00, 0x200, 'WC/WB'],
      [0x80000, 0x200, 'UC/WC'],
    ],
    'below 2 GiB (WB MTRRs) WC against WB; above (UC MTRRs) the PAT WC stays WC and WB becomes UC',
  );
  assert.deepEqual(r.ranges.map((x) => x.severity), ['high', 'medium']);
  assert.equal(r.pages, 0x400);
});
