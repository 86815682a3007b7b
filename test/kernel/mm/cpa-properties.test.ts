import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from '../../fc.js';
import { bootKernel, type Kernel } from '../../../src/kernel/kernel.js';
import { BLK_GB, BLK_LARGE, BLK_PTE, GB_PFNS } from '../../../src/kernel/mm/linear-map.js';
import { setMemoryUc, setMemoryWb, setMemoryWc, setPagesArrayUc, setPagesArrayWb, setPagesArrayWc } from '../../../src/kernel/mm/set-memory.js';
import { amd64_small } from './machines.js';

/** Every direct-mapped RAM pfn: the cache mode of its leaf equals its page-flag memtype. */
function assertConsistent(k: Kernel): void {
  const map = k.directMap.map;
  for (const r of k.memblock) {
    for (let pfn = r.start; pfn < r.end; pfn++) {
      const lvl = map.levelOf(pfn);
      let mode: number;
      if (lvl === BLK_PTE) mode = k.tables.pgprot2cachemode(map.pteOf(pfn));
      else if (lvl === BLK_LARGE) mode = k.tables.leafCachemode(map.blockBits[map.block(pfn)]!, '2m');
      else if (lvl === BLK_GB) mode = k.tables.leafCachemode(map.gbBits[map.gb(pfn)]!, '1g');
      else continue;
      const want = k.memtype.pages.get(pfn);
      if (mode !== want) assert.fail(`pfn ${pfn.toString(16)}: leaf mode ${mode}, page flag ${want}`);
    }
  }
}

/** No large leaf covers pages whose page flags differ (CPA split it or rewrote it whole). */
function assertNoMixedLargeLeaf(k: Kernel): void {
  const map = k.directMap.map;
  for (let b = 0; b < map.blockLevel.length; b++) {
    const lvl = map.blockLevel[b]!;
    if (lvl !== BLK_LARGE && lvl !== BLK_GB) continue;
    const size = lvl === BLK_GB ? GB_PFNS : 512;
    const start = lvl === BLK_GB ? Math.floor((b * 512) / GB_PFNS) * GB_PFNS : b * 512;
    const first = k.memtype.pages.get(start);
    for (let p = start; p < start + size; p += 64) assert.equal(k.memtype.pages.get(p), first, `mixed leaf at ${start.toString(16)}`);
  }
}

const opArb = fc.record({
  op: fc.constantFrom('wc', 'uc', 'arrwc', 'arruc'),
  pfn: fc.integer({ min: 0x100, max: 0xfe00 }),
  n: fc.integer({ min: 1, max: 600 }),
});

test('property: set_memory_wc/uc (or the array forms) then the matching wb restores page flags and cache bits', () => {
  fc.assert(
    fc.property(fc.array(opArb, { minLength: 1, maxLength: 6 }), (ops) => {
      const k = bootKernel(amd64_small({ gbpages: true }));
      const done: (() => void)[] = [];
      for (const { op, pfn, n } of ops) {
        const va = k.va(pfn);
        const pfns = Array.from({ length: Math.min(n, 40) }, (_, i) => pfn + i * 3);
        let ret: number;
        if (op === 'wc') ret = setMemoryWc(k, va, n);
        else if (op === 'uc') ret = setMemoryUc(k, va, n);
        else if (op === 'arrwc') ret = setPagesArrayWc(k, pfns);
        else ret = setPagesArrayUc(k, pfns);
        if (ret === 0) done.push(op.startsWith('arr') ? () => assert.equal(setPagesArrayWb(k, pfns), 0) : () => assert.equal(setMemoryWb(k, va, n), 0));
        assertNoMixedLargeLeaf(k);
      }
      assertConsistent(k);
      for (const undo of done.reverse()) undo();
      assert.deepEqual(k.memtype.pages.nonWbRuns(), []);
      assertConsistent(k);
    }),
    { numRuns: 25, seed: 11 },
  );
});
