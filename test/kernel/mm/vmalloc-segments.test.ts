/**
 * Range-shaped vmalloc areas (kernel/mm/vmalloc.ts): any sequence of maps,
 * single-PTE writes, huge-leaf writes and splits leaves every page exactly
 * where a per-page model of the same operations says, and the segments
 * stay sorted, disjoint and without empty entries.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from '../../fc.js';
import { protvalLargeTo4k } from '../../../src/hw/pte.js';
import { Vmalloc } from '../../../src/kernel/mm/vmalloc.js';

const N = 2048; // four 2 MiB leaves
type Op =
  | { t: 'contig'; at: number; n: number; pfn: number; bits: number }
  | { t: 'list'; at: number; pfns: number[]; bits: number }
  | { t: 'pte'; i: number; bits: number }
  | { t: 'huge'; leaf: number; pfn: number; bits: number }
  | { t: 'large'; leaf: number; bits: number }
  | { t: 'split'; leaf: number };

const bitsArb = fc.constantFrom(0, 0x63, 0x73, 0x7b);
const largeArb = fc.constantFrom(0xe3, 0xf3, 0x10e3);
const opArb: fc.Arbitrary<Op> = fc.oneof(
  fc.record({ t: fc.constant('contig' as const), at: fc.nat(N - 1), n: fc.integer({ min: 1, max: 700 }), pfn: fc.nat(1 << 20), bits: bitsArb }),
  fc.record({ t: fc.constant('list' as const), at: fc.nat(N - 1), pfns: fc.array(fc.nat(1 << 20), { minLength: 1, maxLength: 40 }), bits: bitsArb }),
  fc.record({ t: fc.constant('pte' as const), i: fc.nat(N - 1), bits: bitsArb }),
  fc.record({ t: fc.constant('huge' as const), leaf: fc.nat(3), pfn: fc.nat(1 << 10).map((x) => x * 512), bits: largeArb }),
  fc.record({ t: fc.constant('large' as const), leaf: fc.nat(3), bits: largeArb }),
  fc.record({ t: fc.constant('split' as const), leaf: fc.nat(3) }),
);

test('property: segments equal a per-page model under maps, PTE writes, huge leaves and splits', () => {
  fc.assert(
    fc.property(fc.array(opArb, { maxLength: 30 }), (ops) => {
      const vm = new Vmalloc(0x40000000, 0x80000000);
      const a = vm.allocArea(N * 4096, 0x200000, { guard: false })!;
      const pfn: number[] = new Array(N).fill(0);
      const bits: number[] = new Array(N).fill(0);
      const level: string[] = new Array(N).fill('4k');
      for (const op of ops) {
        if (op.t === 'contig') {
          const n = Math.min(op.n, N - op.at);
          vm.mapPages(a, { pfn: op.pfn, count: n }, op.bits, '4k', op.at);
          for (let i = 0; i < n; i++) [pfn[op.at + i], bits[op.at + i], level[op.at + i]] = [op.pfn + i, op.bits, '4k'];
        } else if (op.t === 'list') {
          const l = op.pfns.slice(0, N - op.at);
          vm.mapPages(a, l, op.bits, '4k', op.at);
          l.forEach((p, i) => ([pfn[op.at + i], bits[op.at + i], level[op.at + i]] = [p, op.bits, '4k']));
        } else if (op.t === 'pte') {
          if (bits[op.i] === 0 || level[op.i] !== '4k') continue; // CPA writes 4 KiB entries that exist
          vm.setPteAt(a.start + op.i * 4096, op.bits);
          bits[op.i] = op.bits;
        } else if (op.t === 'huge') {
          vm.mapPages(a, { pfn: op.pfn, count: 512 }, op.bits, '2m', op.leaf * 512);
          for (let i = 0; i < 512; i++) [pfn[op.leaf * 512 + i], bits[op.leaf * 512 + i], level[op.leaf * 512 + i]] = [op.pfn + i, op.bits, '2m'];
        } else {
          const i0 = op.leaf * 512;
          if (level[i0] !== '2m' || bits.slice(i0, i0 + 512).some((b, j) => b === 0 || level[i0 + j] !== '2m')) continue; // only whole, present leaves
          if (op.t === 'large') {
            vm.setLargeAt(a.start + i0 * 4096, op.bits);
            bits.fill(op.bits, i0, i0 + 512);
          } else {
            assert.equal(vm.splitAt(a.start + i0 * 4096), '2m');
            for (let i = i0; i < i0 + 512; i++) [bits[i], level[i]] = [protvalLargeTo4k(bits[i]!), '4k'];
          }
        }
      }
      for (let i = 0; i < N; i++) {
        const r = vm.lookup(a.start + i * 4096);
        if (bits[i] === 0) assert.equal(r, null, `page ${i}`);
        else assert.deepEqual(r && [r.pfn, r.bits, r.level], [pfn[i], bits[i], level[i]], `page ${i}`);
      }
      let end = 0;
      for (const g of a.segs) {
        assert.ok(g.at >= end && g.n > 0 && g.bits !== 0, 'sorted, disjoint, non-empty');
        end = g.at + g.n;
      }
    }),
    { numRuns: 300 },
  );
});
