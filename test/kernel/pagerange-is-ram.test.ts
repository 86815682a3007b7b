/**
 * `pat_pagerange_is_ram()` (kernel/pat/ram.ts): its one-page answer by
 * `page_is_ram()` is the walk's answer, for RAM resources of any alignment
 * and pages anywhere (below 1 MiB, at resource edges, in holes).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from '../fc.js';
import { pagerangeIsRamWalk, patPagerangeIsRam } from '../../src/kernel/pat/ram.js';
import { SystemRam } from '../../src/kernel/mm/system-ram.js';

/** A byte count: whole pages, a byte either side of them, or anything. */
const bytesArb = fc.oneof(fc.tuple(fc.nat(3), fc.constantFrom(-1, 0, 1)).map(([p, d]) => Math.max(0, p * 4096 + d)), fc.nat(3 * 4096));

/** Disjoint resources from gaps and lengths in bytes (page-aligned or a byte off, some adjacent). */
const ramArb = fc.array(fc.record({ gap: bytesArb, len: bytesArb.map((n) => Math.max(1, n)) }), { minLength: 1, maxLength: 6 }).map((pieces) => {
  let at = 0xfe000 + 4096 - 1;
  return new SystemRam(
    pieces.map(({ gap, len }) => {
      const start = at + gap;
      at = start + len;
      return { start, endIncl: at - 1 };
    }),
  );
});

test('property: a one-page pat_pagerange_is_ram is the walk of walk_system_ram_range', () => {
  fc.assert(
    // The page: anywhere, or at a resource's first or last byte, or a page either side.
    fc.property(ramArb, fc.integer({ min: 0xf0, max: 0x130 }), fc.nat(), fc.boolean(), fc.constantFrom(-1, 0, 0, 1), fc.nat(4095), (ram, anywhere, at, atEnd, d, off) => {
      const r = ram.resources[at % (ram.resources.length + 1)];
      const pfn = r ? Math.floor((atEnd ? r.endIncl : r.start) / 4096) + d : anywhere;
      // Unaligned starts too: the range is the pages [start, end) touches.
      for (const [start, end] of [
        [pfn * 4096, pfn * 4096 + 4096],
        [pfn * 4096 + off, pfn * 4096 + 4096],
        [pfn * 4096, pfn * 4096 + 1 + off],
      ] as const)
        assert.equal(patPagerangeIsRam(ram, start, end), pagerangeIsRamWalk(ram, start, end), `[0x${start.toString(16)}, 0x${end.toString(16)})`);
    }),
    { numRuns: 500 },
  );
});
