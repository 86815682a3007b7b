import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from '../../fc.js';
import { ImpossibleRequestError } from '../../../src/kernel/impossible.js';
import { PageArray, PG_BUDDY } from '../../../src/kernel/mm/page.js';
import { bootKernel } from '../../../src/kernel/kernel.js';
import { Permutation } from '../../../src/kernel/mm/page-alloc.js';
import { SHARED_DIR } from '../../shared-dir.js';
import { amd64_1g, amd64_4g, amd64_small, i386pae_2g } from './machines.js';

function captureZoneLines(name: string): string[] {
  const lines = readFileSync(`${SHARED_DIR}/captures/${name}/dmesg.txt`, 'utf8').split('\n').map((l) => l.replace(/^\[[^\]]*\] /, ''));
  const i = lines.indexOf('Zone ranges:');
  const j = lines.findIndex((l) => l.startsWith('Initmem setup node'));
  return lines.slice(i, j + 1);
}

test('Zone ranges: lines equal the captures', () => {
  assert.deepEqual(bootKernel(amd64_1g()).zones.zoneRangesLines(), captureZoneLines('amd64-1g-default'));
  assert.deepEqual(bootKernel(amd64_4g()).zones.zoneRangesLines(), captureZoneLines('amd64-4g-cpumax-smp2'));
  assert.deepEqual(bootKernel(i386pae_2g()).zones.zoneRangesLines(), captureZoneLines('i386pae-2g-cpumax'));
});

test('GFP zones: DMA < 16M, DMA32 < 4G, HIGHUSER prefers highmem on 32-bit, DMA32 on 32-bit is lowmem', () => {
  const k = bootKernel(amd64_4g());
  const dma = k.allocator.allocPages('GFP_DMA');
  assert.ok(dma >= 256 && dma < 4096, dma.toString(16));
  assert.ok(k.allocator.allocPages('GFP_DMA32') < 0x100000);
  assert.ok(k.allocator.allocPages('GFP_KERNEL') >= 0x100000, 'Normal first');
  const h = bootKernel(i386pae_2g());
  assert.ok(h.allocator.allocPages('GFP_HIGHUSER') >= 0x36ffe);
  const d32 = h.allocator.allocPages('GFP_DMA32');
  assert.ok(d32 >= 0x1000 && d32 < 0x36ffe);
  assert.equal(h.allocator.zonelist('GFP_DMA32').join(','), 'Normal,DMA');
});

test('allocation: reserved pages are never handed out, order-n blocks are aligned, free makes pages reusable', () => {
  const k = bootKernel(amd64_small({ fragmentation: { level: 0.7, seed: 3 } }));
  const seen = new Set<number>();
  for (let i = 0; i < 5000; i++) {
    const p = k.allocator.allocPages('GFP_KERNEL', i % 3);
    assert.ok(p >= 0);
    assert.equal(p % 2 ** (i % 3), 0);
    assert.ok(!k.pages.isReserved(p));
    assert.ok(!seen.has(p));
    seen.add(p);
  }
  const free0 = k.allocator.nrFree();
  const p = k.allocator.allocPages('GFP_KERNEL', 0);
  k.allocator.free(p, 0);
  assert.equal(k.allocator.nrFree(), free0);
  assert.throws(() => k.allocator.free(p, 0));
});

test('fragmentation: level 0 is ascending, level 1 scatters; same seed, same pages', () => {
  const a = bootKernel(amd64_small());
  const first = [0, 1, 2].map(() => a.allocator.allocPages('GFP_KERNEL'));
  assert.deepEqual([first[1]! - first[0]!, first[2]! - first[1]!], [1, 1]);
  const s1 = bootKernel(amd64_small({ fragmentation: { level: 1, seed: 42 } }));
  const s2 = bootKernel(amd64_small({ fragmentation: { level: 1, seed: 42 } }));
  const x = Array.from(s1.allocator.allocMany('GFP_KERNEL', 1000));
  assert.deepEqual(x, Array.from(s2.allocator.allocMany('GFP_KERNEL', 1000)));
  let adjacent = 0;
  for (let i = 1; i < x.length; i++) if (Math.abs(x[i]! - x[i - 1]!) === 1) adjacent++;
  assert.ok(adjacent < 20, `scattered (${adjacent} adjacent pairs)`);
  const s3 = bootKernel(amd64_small({ fragmentation: { level: 1, seed: 43 } }));
  assert.notDeepEqual(x, Array.from(s3.allocator.allocMany('GFP_KERNEL', 1000)));
});

test('Permutation is a bijection', () => {
  for (const n of [1, 2, 7, 1000, 4097]) {
    const p = new Permutation(n, 5);
    const s = new Set<number>();
    for (let i = 0; i < n; i++) s.add(p.at(i));
    assert.equal(s.size, n);
    for (const v of s) assert.ok(v >= 0 && v < n);
  }
});

test('allocPagesAt (alloc_pages with pfn:): takes exactly that free block; the walk never hands it out again while held', () => {
  fc.assert(
    fc.property(fc.integer({ min: 0x100, max: 0xffff }), fc.integer({ min: 0, max: 3 }), fc.double({ min: 0, max: 1, noNaN: true }), (p, order, level) => {
      const k = bootKernel(amd64_small({ fragmentation: { level, seed: 5 } }));
      const size = 1 << order;
      const pfn = p - (p % size);
      // Only free blocks can be named (the kernel image and the first MiB are reserved).
      fc.pre(Array.from({ length: size }, (_, i) => k.pages.flags.get(pfn + i) & PG_BUDDY).every((f) => f !== 0));
      const before = k.allocator.nrFree();
      assert.equal(k.allocator.allocPagesAt('GFP_KERNEL', order, pfn), pfn);
      assert.equal(k.allocator.nrFree(), before - size);
      assert.throws(() => k.allocator.allocPagesAt('GFP_KERNEL', order, pfn), ImpossibleRequestError);
      for (let i = 0; i < 200; i++) {
        const q = k.allocator.allocPages('GFP_KERNEL');
        assert.ok(q < pfn || q >= pfn + size, `walk returned held pfn ${q.toString(16)}`);
      }
      k.allocator.free(pfn, order);
      assert.equal(k.allocator.allocPagesAt('GFP_KERNEL', order, pfn), pfn, 'free makes it available again');
    }),
    { numRuns: 25, seed: 7 },
  );
  const k = bootKernel(amd64_small());
  assert.throws(() => k.allocator.allocPagesAt('GFP_KERNEL', 1, 0x1001), /not a naturally aligned block of order 1/);
  assert.throws(() => k.allocator.allocPagesAt('GFP_KERNEL', 0, 0x10), /pfn 0x10 is not free/, 'the first MiB is reserved');
});

test('PageArray.countFlag counts like a per-page loop, for any range and flag bit', () => {
  fc.assert(
    fc.property(fc.uint8Array({ minLength: 1, maxLength: 300 }), fc.nat(), fc.nat(), fc.integer({ min: 0, max: 7 }), (bytes, a, b, bitNo) => {
      const pa = new PageArray(bytes.length);
      bytes.forEach((b, i) => pa.flags.set(i, b));
      const s = a % (bytes.length + 1);
      const e = s + (b % (bytes.length - s + 1));
      const bit = 1 << bitNo;
      let want = 0;
      for (let p = s; p < e; p++) if (bytes[p]! & bit) want++;
      assert.equal(pa.countFlag(bit, s, e), want);
    }),
    { numRuns: 300, seed: 11 },
  );
});

test('after boot every free page has refcount 0 and every other page 1 (holes, reservations, the boot JIT pack)', () => {
  for (const k of [bootKernel(amd64_4g()), bootKernel(amd64_1g()), bootKernel(i386pae_2g()), bootKernel(amd64_small({ fragmentation: { level: 1, seed: 2 } }))]) {
    const { flags, refcount } = k.pages;
    let bad = -1;
    for (let p = 0; p < k.pages.nPfns && bad < 0; p++) if (refcount.get(p) !== (flags.get(p) & PG_BUDDY ? 0 : 1)) bad = p;
    assert.equal(bad, -1, `pfn 0x${bad.toString(16)}: refcount ${refcount.get(bad)}, flags 0x${flags.get(bad)?.toString(16)}`);
    assert.equal(k.allocator.nrFree(), k.pages.countFlag(PG_BUDDY, 0, k.pages.nPfns));
  }
});
