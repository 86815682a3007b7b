import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CM } from '../../../src/hw/cache-mode.js';
import { PAGE_CACHE_MASK } from '../../../src/hw/pte.js';
import { EBUSY, EFAULT, EINVAL } from '../../../src/kernel/errno.js';
import { bootKernel, type Kernel } from '../../../src/kernel/kernel.js';
import { newCpaCounters } from '../../../src/kernel/mm/counters.js';
import { PAGE_KERNEL_BITS } from '../../../src/kernel/mm/linear-map.js';
import {
  _setMemoryUc,
  _setMemoryWc,
  _setMemoryWt,
  ioremapChangeAttr,
  setMemoryUc,
  setMemoryWb,
  setMemoryWc,
  setPagesArrayWb,
  setPagesArrayWc,
  setPagesArrayWt,
} from '../../../src/kernel/mm/set-memory.js';
import { NotModelledError } from '../../../src/kernel/not-modelled.js';
import { amd64_4g, amd64_small } from './machines.js';

const GiB = 2 ** 30;

function reset(k: Kernel): void {
  Object.assign(k.counters, newCpaCounters());
}

function modeAt(k: Kernel, va: number): number {
  const r = k.pgtable.lookupAddress(va)!;
  return k.tables.leafCachemode(r.bits, r.level === '4k' ? '4k' : '2m');
}

test('spec 03 §3: set_memory_wc on a page inside a 2M leaf: 1 split, 1 global flush, 2 IPI rounds, 2 pages clflushed', () => {
  const k = bootKernel(amd64_4g({ nCpus: 4 }));
  const pfn = 0x12345;
  const va = k.va(pfn);
  assert.equal(k.pgtable.lookupAddress(va)!.level, '2m');
  reset(k);
  assert.equal(setMemoryWc(k, va, 1), 0);
  const c = k.counters;
  assert.equal(c.split2M, 1);
  assert.equal(c.split1G, 0);
  assert.equal(c.tlbFlushAll, 1);
  assert.equal(c.tlbFlushRounds, 2);
  assert.equal(c.tlbFlushPages, 2);
  assert.equal(c.clflushPages, 2);
  assert.equal(c.ptPagesAllocated, 1);
  assert.equal(c.cpaCalls, 2);
  assert.equal(c.kmapFlushUnused, 2);
  assert.equal(c.vmUnmapAliases, 2);
  assert.equal(c.ipis, 3 * 3, 'three cross-CPU operations to 3 other CPUs');
  assert.equal(k.memtype.pages.get(pfn), CM.WC);
  const r = k.pgtable.lookupAddress(va)!;
  assert.equal(r.level, '4k');
  assert.equal(r.bits, PAGE_KERNEL_BITS | k.tables.cachemode2protval(CM.WC));
  assert.equal(modeAt(k, va), CM.WC);
  // Its neighbours keep WB in the new 4K table.
  assert.equal(modeAt(k, va + 4096), CM.WB);
  // Boot's 3968 kB, the boot-time BPF pack's two splits (2 x 2048) and this one (2048).
  assert.deepEqual(k.meminfoDirectMap()[0], 'DirectMap4k:       10112 kB');

  // The following set_memory_wb: 1 IPI round, no clflush, no re-merge.
  reset(k);
  assert.equal(setMemoryWb(k, va, 1), 0);
  assert.equal(k.counters.tlbFlushRounds, 1);
  assert.equal(k.counters.tlbFlushPages, 1);
  assert.equal(k.counters.tlbFlushAll, 0);
  assert.equal(k.counters.clflushPages, 0);
  assert.equal(k.pgtable.lookupAddress(va)!.level, '4k');
  assert.equal(k.memtype.pages.get(pfn), CM.WB);
  assert.equal(modeAt(k, va), CM.WB);
});

test('spec 03 §3: inside a 1G leaf set_memory_wc also splits the GB page: one more global flush', () => {
  const k = bootKernel(amd64_4g());
  const va = k.va((GiB + 0x345000) / 4096);
  assert.equal(k.pgtable.lookupAddress(va)!.level, '1g');
  reset(k);
  assert.equal(setMemoryWc(k, va, 1), 0);
  assert.equal(k.counters.split1G, 1);
  assert.equal(k.counters.split2M, 1);
  assert.equal(k.counters.tlbFlushAll, 2);
  assert.equal(k.counters.tlbFlushRounds, 2);
  assert.equal(k.counters.clflushPages, 2);
  assert.equal(k.counters.ipis, 4, 'nCpus 2: one IPI per cross-CPU operation');
  const ev = k.log.events.filter((e) => e.kind === 'split');
  assert.deepEqual(
    ev.map((e) => (e.kind === 'split' ? e.from : '')),
    ['1g', '2m'],
  );
});

test('spec 03 §3: more than 33 pages: each pass ends with a global flush instead of an IPI round', () => {
  const k = bootKernel(amd64_4g());
  const va = k.va(0x20000); // 2M-aligned, inside [2M, 1G) 2M leaves
  reset(k);
  assert.equal(setMemoryWc(k, va, 34), 0);
  assert.equal(k.counters.split2M, 1, '34 pages inside one 2M leaf');
  assert.equal(k.counters.tlbFlushRounds, 0);
  assert.equal(k.counters.tlbFlushAll, 1 + 2);
  assert.equal(k.counters.clflushPages, 68);
  reset(k);
  assert.equal(setMemoryWb(k, va, 33), 0);
  assert.equal(k.counters.tlbFlushRounds, 1);
  assert.equal(k.counters.tlbFlushPages, 33);
});

test('spec 03 §2.7: a whole 2M leaf is rewritten in place (preserved), no split', () => {
  const k = bootKernel(amd64_4g({ cpaStatistics: true }));
  const va = k.va(0x20000);
  reset(k);
  assert.equal(_setMemoryUc(k, va, 512), 0);
  assert.equal(k.counters.split2M, 0);
  assert.equal(k.counters.stats.preserved2M, 1);
  assert.equal(k.counters.stats.checked2M, 1);
  const r = k.pgtable.lookupAddress(va + 5 * 4096)!;
  assert.equal(r.level, '2m');
  assert.equal(k.tables.leafCachemode(r.bits, '2m'), CM.UC_MINUS);
  // Same bits again: sameprot, no change, no flush at all.
  reset(k);
  assert.equal(_setMemoryUc(k, va + 4096, 3), 0);
  assert.equal(k.counters.stats.sameprot2M, 1);
  assert.equal(k.counters.tlbFlushRounds + k.counters.tlbFlushAll, 0);
});

test('spec 03 §2.4: OR semantics: UC- over WC gives UC, over WT gives WT', () => {
  const k = bootKernel(amd64_small());
  const a = k.va(0x8000);
  assert.equal(_setMemoryWc(k, a, 1), 0);
  assert.equal(modeAt(k, a), CM.WC);
  assert.equal(_setMemoryUc(k, a, 1), 0);
  assert.equal(modeAt(k, a), CM.UC);
  const b = k.va(0x9000);
  assert.equal(_setMemoryWt(k, b, 1), 0);
  assert.equal(_setMemoryUc(k, b, 1), 0);
  assert.equal(modeAt(k, b), CM.WT);
  // ioremap_change_attr picks _set_memory_* by mode; WP falls to _set_memory_uc.
  const c = k.va(0xa000);
  assert.equal(ioremapChangeAttr(k, c, 4096 + 100, CM.WP), 0);
  assert.equal(modeAt(k, c), CM.UC_MINUS);
  assert.equal(modeAt(k, c + 4096), CM.WB, 'size truncated to whole pages');
});

test('spec 03 §3: set_pages_array_wc with the same page twice -> -EINVAL, message, reservation undone, no CPA', () => {
  const k = bootKernel(amd64_small());
  const pfn = k.allocator.allocPages('GFP_KERNEL');
  reset(k);
  assert.equal(setPagesArrayWc(k, [pfn, pfn]), -EINVAL);
  const msgs = k.log.messages().map((m) => m.text);
  const pa = (pfn * 4096).toString(16).padStart(8, '0');
  const pe = (pfn * 4096 + 4095).toString(16).padStart(8, '0');
  assert.ok(msgs.includes(`x86/PAT: reserve_ram_pages_type failed [mem 0x${pa}-0x${pe}], track 0x1, req 0x1`), msgs.join('\n'));
  assert.equal(k.memtype.pages.get(pfn), CM.WB);
  assert.equal(k.counters.cpaCalls, 0);
  // A second set_memory_wc on a WC page fails with -EBUSY, no CPA.
  const va = k.va(pfn);
  assert.equal(setMemoryWc(k, va, 1), 0);
  reset(k);
  assert.equal(setMemoryUc(k, va, 1), -EBUSY);
  assert.equal(k.counters.cpaCalls, 0);
  assert.equal(modeAt(k, va), CM.WC);
});

test('spec 03 §3: set_memory_wb / set_pages_array_wb reset the page flag whoever set it', () => {
  const k = bootKernel(amd64_small());
  const pfns = [k.allocator.allocPages('GFP_KERNEL'), k.allocator.allocPages('GFP_KERNEL')];
  assert.equal(setPagesArrayWc(k, pfns), 0);
  assert.deepEqual(pfns.map((p) => k.memtype.pages.get(p)), [CM.WC, CM.WC]);
  assert.equal(setMemoryWb(k, k.va(pfns[0]!), 1), 0);
  assert.equal(k.memtype.pages.get(pfns[0]!), CM.WB);
  assert.equal(setPagesArrayWb(k, pfns), 0);
  assert.equal(k.memtype.pages.get(pfns[1]!), CM.WB);
  assert.equal(modeAt(k, k.va(pfns[1]!)), CM.WB);
  // Nothing left to change: set_pages_array_wb does no flush at all.
  reset(k);
  assert.equal(setPagesArrayWb(k, pfns), 0);
  assert.equal(k.counters.tlbFlushRounds + k.counters.tlbFlushAll + k.counters.cpuFlushAllRounds, 0);
  assert.equal(k.counters.cpaCalls, 1);
});

test('spec 03 §2.6: a vmap alias: the direct map is changed too and the call ends with a global flush', () => {
  const k = bootKernel(amd64_small());
  // A page inside a 2M leaf, away from the kernel image's high-map alias.
  const pfn = 0x8000;
  assert.ok(!k.directMap.cpaPfnInHighmap(pfn));
  const v = k.vmalloc.vmap([pfn], PAGE_KERNEL_BITS)!;
  reset(k);
  assert.equal(_setMemoryUc(k, v, 1), 0);
  assert.equal(k.tables.pgprot2cachemode(k.vmalloc.lookup(v)!.bits), CM.UC_MINUS);
  assert.equal(modeAt(k, k.va(pfn)), CM.UC_MINUS, 'direct-map alias follows');
  assert.equal(k.counters.split2M, 1, 'the alias pass split the direct-map leaf');
  assert.equal(k.counters.tlbFlushAll, 2, 'split + forced global final flush');
  assert.equal(k.counters.tlbFlushRounds, 0);
});

test('spec 03 §2.6: a page in the high-map range also gets its high kernel map alias changed', () => {
  // Without the boot JIT: its pack's pages lie right after the image and would split these leaves first.
  const k = bootKernel(amd64_small({ bpfJitDefaultOn: false }));
  // The kernel image ends at 16M + 0x1812345: pages up to the next 2M boundary are high-mapped but free.
  const pfn = Math.floor((16 * 2 ** 20 + 0x1812345) / 4096) + 2;
  assert.ok(k.directMap.cpaPfnInHighmap(pfn));
  const before = k.directMap.countLarge;
  reset(k);
  assert.equal(setPagesArrayWc(k, [pfn]), 0);
  const hm = k.pgtable.lookupAddress(k.layout.highMapBase! + pfn * 4096)!;
  assert.equal(hm.level, '4k');
  assert.equal(k.tables.pgprot2cachemode(hm.bits), CM.WC);
  assert.equal(k.counters.split2M, 2, 'direct-map leaf and high-map leaf');
  // split_page_count() also runs for the high-map split (virt_addr_valid is true there).
  assert.equal(k.directMap.countLarge, before - 2);
  assert.equal(k.counters.tlbFlushAll, 2 + 2, 'two splits, and both passes end with a forced global flush');
});

test('spec 03 §2.5: an unmapped non-direct address WARNs "called for zero pte" and returns -EFAULT', () => {
  const k = bootKernel(amd64_small());
  const v = k.layout.vmallocStart + 0x10000;
  assert.equal(_setMemoryUc(k, v, 1), -EFAULT);
  const w = k.log.messages().filter((m) => m.level === 'warning-splat');
  assert.deepEqual(w.map((m) => m.text), ['WARNING: CPA: called for zero pte. vaddr = ffffc90000010000 cpa->vaddr = ffffc90000010000']);
  // A hole inside the direct-map window is skipped silently.
  assert.equal(_setMemoryUc(k, k.va(0x9f), 2), 0);
  assert.equal(k.log.messages().filter((m) => m.level === 'warning-splat').length, 1);
});

test('spec 03 §2.8: a CPU without CLFLUSH uses cpa_flush_all with WBINVD; PAT off writes WC as PCD', () => {
  const k = bootKernel(amd64_small({ clflush: false, nCpus: 3 }));
  reset(k);
  assert.equal(_setMemoryWc(k, k.va(0x8000), 1), 0);
  assert.equal(k.counters.cpuFlushAllRounds, 2);
  assert.equal(k.counters.wbinvdRounds, 2);
  assert.equal(k.counters.clflushPages, 0);
  const off = bootKernel(amd64_small({ nopat: true }));
  assert.equal(off.patEnabled, false);
  assert.equal(setMemoryWc(off, off.va(0x8000), 1), 0);
  assert.equal(off.pgtable.lookupAddress(off.va(0x8000))!.bits & PAGE_CACHE_MASK, 1 << 4);
});

test('set_pages_array_wt is absent from every preset kernel', () => {
  const k = bootKernel(amd64_small());
  assert.throws(() => setPagesArrayWt(k, [0x8000]), NotModelledError);
});
