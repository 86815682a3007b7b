import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import fc from '../../fc.js';
import { bootKernel, type Kernel } from '../../../src/kernel/kernel.js';
import { changePageAttrSetClr } from '../../../src/kernel/mm/cpa.js';
import { BLK_LARGE, BLK_PTE, LinearMap, PAGE_RW } from '../../../src/kernel/mm/linear-map.js';
import { PAGE_CACHE_MASK, PAGE_PWT } from '../../../src/hw/pte.js';
import { CM } from '../../../src/hw/cache-mode.js';
import { DirectMap } from '../../../src/kernel/mm/direct-map.js';
import { _setMemoryUc, _setMemoryWb, setMemoryWb, setMemoryWc } from '../../../src/kernel/mm/set-memory.js';
import { SHARED_DIR } from '../../shared-dir.js';
import { amd64_1g, amd64_4g, amd64_small, i386pae_2g, mkMachine } from './machines.js';

const MiB = 1 << 20;
const GiB = 2 ** 30;

function captureDirectMap(name: string): string[] {
  const text = readFileSync(`${SHARED_DIR}/captures/${name}/proc-meminfo.txt`, 'utf8');
  return text.split('\n').filter((l) => l.startsWith('DirectMap'));
}

/** set_memory_4k on one page: a forced split of the leaf holding it. */
function forceSplit(k: Kernel, pa: number): void {
  assert.equal(changePageAttrSetClr(k, { caller: 'set_memory_4k', vaddr: k.va(pa / 4096), numpages: 1, maskSet: 0, maskClr: 0, forceSplit: true }), 0);
}

function totalKb(lines: string[]): number {
  const unit: Record<string, number> = { DirectMap4k: 1, DirectMap2M: 1, DirectMap4M: 1, DirectMap1G: 1 };
  let t = 0;
  for (const l of lines) {
    const [name, rest] = l.split(':');
    assert.ok(name! in unit, l);
    t += Number(rest!.trim().split(' ')[0]);
  }
  return t;
}

test('amd64-1g: boot layout is the capture minus its 12 late-boot 2M splits, printed in the capture format', () => {
  // init_mem_mapping()'s layout alone: without the boot-time BPF JIT's split.
  const k = bootKernel(amd64_1g({ bpfJitDefaultOn: false }));
  assert.deepEqual(k.meminfoDirectMap(), ['DirectMap4k:        3968 kB', 'DirectMap2M:     1044480 kB']);
  // The capture's kernel split 12 2M leaves after init_mem_mapping (text/rodata protections): replay 12 splits.
  for (let i = 0; i < 12; i++) forceSplit(k, 64 * MiB + i * 2 * MiB);
  assert.deepEqual(k.meminfoDirectMap(), captureDirectMap('amd64-1g-default'));
  assert.equal(k.counters.split2M, 12);
});

test('amd64-4g: GB pages are counted again by each top-down chunk that meets them (DirectMap1G > RAM)', () => {
  const k = bootKernel(amd64_4g({ bpfJitDefaultOn: false }));
  assert.ok(k.bootMessages.includes('Using GB pages for direct mapping'));
  assert.deepEqual(k.meminfoDirectMap(), ['DirectMap4k:        3968 kB', 'DirectMap2M:     2093056 kB', 'DirectMap1G:     4194304 kB']);
  // The capture shows one 1G split and 11 2M splits on top of this.
  // A 512-page change on a 2M boundary inside the GB leaf splits it once (the 2M leaf is rewritten whole).
  assert.equal(_setMemoryUc(k, k.va((1 * GiB + 8 * MiB) / 4096), 512), 0);
  assert.equal(_setMemoryWb(k, k.va((1 * GiB + 8 * MiB) / 4096), 512), 0);
  for (let i = 0; i < 11; i++) forceSplit(k, 64 * MiB + i * 2 * MiB);
  assert.deepEqual(k.meminfoDirectMap(), captureDirectMap('amd64-4g-cpumax-smp2'));
  assert.equal(k.counters.split1G, 1);
  // The 1G split above only made 2M leaves.
  assert.equal(k.pgtable.lookupAddress(k.va((1 * GiB + 8 * MiB) / 4096))!.level, '2m');
  assert.equal(k.counters.stats.preserved2M, 0, 'statistics only with CONFIG_X86_CPA_STATISTICS');
  assert.equal(k.pgtable.lookupAddress(k.va((1 * GiB + 100 * MiB) / 4096))!.level, '2m');
});

test('x86-64 boot: the BPF JIT pack makes its pages\' direct-map alias read-only, splitting the leaf (amd64-4g: DirectMap1G as captured)', () => {
  const k = bootKernel(amd64_4g());
  const cap = captureDirectMap('amd64-4g-cpumax-smp2');
  const lines = k.meminfoDirectMap();
  assert.equal(lines[2], cap[2], 'one of the boot walk\'s 4 counted GB leaves is split');
  assert.equal(totalKb(lines), totalKb(cap));
  // The pack: 256 pages of low ZONE_NORMAL (first GFP_KERNEL zone: the upper half of the 2 MiB
  // block after the lowest free one, 4 GiB + 3 MiB) and 256 of the per-cpu unit's freed block
  // 6 MiB below the memmap at the top ([4G, 5G) holds both here, as measured).
  const first = (4 * GiB + 3 * MiB) / 4096;
  const ref = k.pgtable.lookupAddress(k.va(first))!;
  assert.equal(ref.level, '4k');
  assert.equal(ref.bits & PAGE_RW, 0);
  assert.equal(k.pgtable.lookupAddress(k.va(first - 256))!.bits & PAGE_RW, PAGE_RW, 'only 256 pages of that block');
  assert.equal(k.pgtable.lookupAddress(k.va((4 * GiB) / 4096))!.level, '2m', 'the lowest 2 MiB of the zone stay free and unsplit');
  // 32 sections of memmap (64 MiB) below 5 GiB, then 6 MiB lower.
  const top = (5 * GiB - 64 * MiB - 6 * MiB) / 4096;
  assert.equal(k.pgtable.lookupAddress(k.va(top))!.bits & PAGE_RW, 0);
  assert.equal(k.pgtable.lookupAddress(k.va(top + 256))!.level, '4k');
  assert.equal(k.pgtable.lookupAddress(k.va(first + 512))!.level, '2m', 'the rest of the GB leaf is 2M leaves');
  assert.equal(k.pgtable.lookupAddress(k.va((1 * GiB) / 4096))!.level, '1g', 'the other GB leaf is intact');
  assert.deepEqual(lines.slice(0, 2), ['DirectMap4k:        8064 kB', 'DirectMap2M:     3137536 kB']);
  // Boot work is not scenario work: counters start at 0 and the log has no CPA events.
  assert.equal(k.counters.cpaCalls + k.counters.split1G + k.counters.split2M, 0);
  assert.equal(k.log.events.filter((e) => e.kind !== 'printk').length, 0);
  // amd64-1g (no GB pages): the same change splits two 2M leaves in ZONE_DMA32.
  const s = bootKernel(amd64_1g());
  assert.deepEqual(s.meminfoDirectMap(), ['DirectMap4k:        8064 kB', 'DirectMap2M:     1040384 kB']);
});

test('x86-64 boot: with more than 1 GiB above 4 GiB the pack\'s two halves are in two GB leaves, and both split (the 8 GiB sweep boots)', () => {
  // qemu -m 8G -cpu max: RAM [1M, 3G) and [4G, 9G); the kernel showed DirectMap1G 6 GiB (docs/capture-differences.md).
  const k = bootKernel(mkMachine({ name: 'amd64-8g', ram: [{ start: MiB, end: 0xbffe0000 }, { start: 4 * GiB, end: 9 * GiB }], gbpages: true }));
  assert.equal(k.meminfoDirectMap()[2], 'DirectMap1G:     6291456 kB');
  const levelAt = (gib: number): string => k.pgtable.lookupAddress(k.va((gib * GiB) / 4096 + 1024))!.level;
  assert.deepEqual([1, 4, 5, 6, 7, 8].map(levelAt), ['1g', '2m', '1g', '1g', '1g', '2m']);
});

test('x86-32: the boot JIT is off by default; when on, its one page comes from highmem first', () => {
  const off = bootKernel(i386pae_2g());
  const on = bootKernel(i386pae_2g({ bpfJitDefaultOn: true }));
  assert.deepEqual(on.meminfoDirectMap(), off.meminfoDirectMap(), 'a highmem page has no direct-map alias');
  const lowOnly = mkMachine({ arch: 'x86-32', ram: [{ start: MiB, end: 512 * MiB }], kernelImage: { start: 16 * MiB, end: 24 * MiB }, bpfJitDefaultOn: true, highmem: false });
  const a = bootKernel(lowOnly).meminfoDirectMap();
  const b = bootKernel({ ...lowOnly, config: { ...lowOnly.config, bpfJitDefaultOn: false } }).meminfoDirectMap();
  assert.equal(totalKb(a), totalKb(b));
  assert.equal(Number(a[0]!.split(/\s+/)[1]) - Number(b[0]!.split(/\s+/)[1]), 4096, 'one 4M leaf split into 4K');
});

test('i386pae-2g: lowmem only, first MiB 4K, 2M leaves; 5 splits give the capture', () => {
  const k = bootKernel(i386pae_2g());
  assert.equal(k.maxLowPfn, 0x36ffe);
  assert.deepEqual(k.meminfoDirectMap(), ['DirectMap4k:        4088 kB', 'DirectMap2M:      897024 kB']);
  for (let i = 0; i < 5; i++) forceSplit(k, 32 * MiB + i * 2 * MiB);
  assert.deepEqual(k.meminfoDirectMap(), captureDirectMap('i386pae-2g-cpumax'));
  assert.equal(k.pgtable.lookupAddress(k.va(0x36ffe)), null, 'highmem is not in the direct map');
});

test('32-bit non-PAE uses 4M leaves and DirectMap4M; a split adds 1024 4K pages', () => {
  const k = bootKernel(mkMachine({ arch: 'x86-32', ram: [{ start: MiB, end: 512 * MiB }], kernelImage: { start: 16 * MiB, end: 24 * MiB } }));
  const before = k.meminfoDirectMap();
  assert.match(before[1]!, /^DirectMap4M: {4} +\d+ kB$/);
  assert.equal(before.length, 2);
  const ref = k.pgtable.lookupAddress(k.va(0x10000));
  assert.equal(ref!.level, '4m');
  forceSplit(k, 0x10000 * 4096);
  assert.equal(k.directMap.count4k - 1024, Number(before[0]!.split(/\s+/)[1]) / 4);
  assert.equal(totalKb(k.meminfoDirectMap()), totalKb(before));
});

test('nogbpages / no pdpe1gb: no 1G leaves and no DirectMap1G line; debug_pagealloc: all 4K', () => {
  const a = bootKernel(amd64_4g({ nogbpages: true }));
  assert.equal(a.meminfoDirectMap().length, 2);
  assert.ok(!a.bootMessages.includes('Using GB pages for direct mapping'));
  const d = bootKernel(amd64_small({ debugPagealloc: true }));
  // 1 MiB ISA range + RAM [1 MiB, 256 MiB): 65536 4K pages.
  assert.deepEqual(d.meminfoDirectMap(), ['DirectMap4k:      262144 kB', 'DirectMap2M:           0 kB']);
  assert.equal(d.directMap.countLarge, 0);
  assert.equal(d.pgtable.lookupAddress(d.va(0x8000))!.level, '4k');
});

test('leaf lookup: ISA range is 4K and mapped although it is a hole; RAM 2M; beyond RAM nothing', () => {
  const k = bootKernel(amd64_1g());
  const isa = k.pgtable.lookupAddress(k.va(0xa0));
  assert.deepEqual(isa, { pfn: 0xa0, level: '4k', leafStart: k.va(0xa0), bits: 3 });
  const mid = k.pgtable.lookupAddress(k.va(0x12345) + 123);
  assert.equal(mid!.level, '2m');
  assert.equal(mid!.pfn, 0x12345);
  assert.equal(mid!.leafStart, k.va(0x12200));
  assert.equal(k.pgtable.lookupAddress(k.va(0x3ffe0)), null);
  assert.equal(k.pgtable.lookupAddress(k.va(0x40000)), null);
  // The high kernel map covers the kernel image with 2M leaves.
  const hm = k.pgtable.lookupAddress(k.layout.highMapBase! + 0x38000000);
  assert.equal(hm!.level, '2m');
  assert.equal(hm!.pfn, 0x38000);
});

test('property: splits and cache changes conserve the DirectMap total', () => {
  const k = bootKernel(amd64_small({ gbpages: true }));
  const total = totalKb(k.meminfoDirectMap());
  fc.assert(
    fc.property(fc.integer({ min: 0x200, max: 0xffff }), fc.integer({ min: 1, max: 700 }), fc.integer({ min: 0, max: 2 }), (pfn, n, op) => {
      const va = k.va(pfn);
      if (op === 0) changePageAttrSetClr(k, { caller: 'set_memory_4k', vaddr: va, numpages: n, maskSet: 0, maskClr: 0, forceSplit: true });
      else if (op === 1) _setMemoryUc(k, va, n);
      else if (setMemoryWc(k, va, n) === 0) setMemoryWb(k, va, n);
      assert.equal(totalKb(k.meminfoDirectMap()), total);
    }),
    { numRuns: 60, seed: 7 },
  );
});

test('late-boot splits a real boot made are replayed as split_large_page leaves them; a block already in 4K costs nothing', async () => {
  const { replayLateBootSplits } = await import('../../../src/kernel/setup/late-boot-splits.js');
  const k = bootKernel(amd64_4g());
  const before = k.meminfoDirectMap();
  const inGb = (1 * GiB + 64 * MiB) / 4096;
  assert.equal(k.pgtable.lookupAddress(k.va(inGb))!.level, '1g');
  assert.equal(replayLateBootSplits(k.directMap, [inGb, 0]), 2, 'the GB leaf, then its 2M leaf; pfn 0 is 4K already');
  assert.equal(k.pgtable.lookupAddress(k.va(inGb))!.level, '4k');
  assert.equal(k.pgtable.lookupAddress(k.va(inGb + 512))!.level, '2m');
  const after = k.meminfoDirectMap();
  assert.equal(totalKb(after), totalKb(before));
  assert.equal(Number(after[0]!.split(/\s+/)[1]) - Number(before[0]!.split(/\s+/)[1]), 2048);
  assert.equal(Number(before[2]!.split(/\s+/)[1]) - Number(after[2]!.split(/\s+/)[1]), 1048576);
  assert.equal(k.counters.split2M + k.counters.split1G, 0, 'not scenario work');
  assert.equal(replayLateBootSplits(k.directMap, [inGb]), 0);
});

test('property: add_pfn_range_mapped by binary search equals the sort-and-merge of every range', () => {
  const mergeAll = (rs: { start: number; end: number }[]) => {
    const out: { start: number; end: number }[] = [];
    for (const r of [...rs].sort((a, b) => a.start - b.start)) {
      const last = out[out.length - 1];
      if (last && r.start <= last.end) last.end = Math.max(last.end, r.end);
      else out.push({ ...r });
    }
    return out;
  };
  fc.assert(
    fc.property(fc.array(fc.tuple(fc.nat(200), fc.nat(30)), { maxLength: 40 }), (rs) => {
      const dm = new DirectMap('x86-64', new LinearMap(0, 0, 512, 512), null, false, { start: 0, end: 0 });
      let model: { start: number; end: number }[] = [];
      for (const [s, n] of rs) {
        dm.addPfnRangeMapped(s, s + n);
        model = mergeAll([...model, { start: s, end: s + n }]);
        assert.deepEqual(dm.mappedRanges, model);
        assert.equal(dm.maxPfnMapped, model.length ? model[model.length - 1]!.end : 0);
      }
    }),
  );
});

test("probe replays: the high map's 4 KiB blocks split its leaves (and count, as split_large_page does); a freed page's cache bits come back only on a present 4 KiB entry", async () => {
  const { replayLateBootSplits, replayPageCacheBits } = await import('../../../src/kernel/setup/late-boot-splits.js');
  const k = bootKernel(amd64_4g());
  const hm = k.directMap.highMap!;
  // A 2 MiB leaf of the kernel image's high map the boot model left whole.
  let pfn = -1;
  for (let p = hm.pfnStart; p < hm.pfnEnd; p += 512) if (hm.levelOf(p) === BLK_LARGE) { pfn = p; break; }
  assert.ok(pfn >= 0, 'the model maps some of the image with a 2 MiB leaf');
  const before = k.meminfoDirectMap();
  assert.equal(replayLateBootSplits(k.directMap, [], [], [pfn, hm.pfnEnd + 512]), 1, 'one leaf; a pfn beyond the high map is ignored');
  assert.equal(hm.levelOf(pfn), BLK_PTE);
  const after = k.meminfoDirectMap();
  assert.equal(Number(after[0]!.split(/\s+/)[1]) - Number(before[0]!.split(/\s+/)[1]), 2048, 'DirectMap4k grows by the split 2 MiB');
  assert.equal(replayLateBootSplits(k.directMap, [], [], [pfn]), 0, 'already 4 KiB');
  // The direct map: a 4 KiB entry takes the bits (PWT = WC in the kernel's PAT layout); a large leaf does not.
  const dm = k.directMap.map;
  const low = 0x10;
  assert.equal(dm.levelOf(low), BLK_PTE);
  assert.equal(replayPageCacheBits(k.directMap, low, PAGE_PWT), true);
  assert.equal(dm.bits4k(low) & PAGE_CACHE_MASK, PAGE_PWT);
  assert.equal(k.tables.pgprot2cachemode(dm.bits4k(low) & PAGE_CACHE_MASK), CM.WC);
  const big = (1 * GiB + 64 * MiB) / 4096;
  assert.notEqual(dm.levelOf(big), BLK_PTE);
  assert.equal(replayPageCacheBits(k.directMap, big, PAGE_PWT), false);
});
