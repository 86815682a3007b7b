import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CM } from '../../../src/hw/cache-mode.js';
import { bootKernel } from '../../../src/kernel/kernel.js';
import { PAGE_KERNEL_BITS } from '../../../src/kernel/mm/linear-map.js';
import { memtypeKernelMapSync } from '../../../src/kernel/pat/memtype-sync.js';
import { amd64_small, i386pae_2g } from './machines.js';

test('vmalloc areas: first fit with guard pages; freed addresses come back only after vm_unmap_aliases', () => {
  const k = bootKernel(amd64_small());
  const vm = k.vmalloc;
  const a = vm.allocArea(3 * 4096)!;
  assert.equal(a.start, k.layout.vmallocStart);
  assert.equal(a.size, 4 * 4096);
  const b = vm.allocArea(4096, 0x200000)!;
  assert.equal(b.start % 0x200000, 0);
  assert.equal(b.start, k.layout.vmallocStart + 0x200000);
  vm.mapPages(a, { pfn: 0xfeb00, count: 2 }, PAGE_KERNEL_BITS | 0x10);
  assert.deepEqual(vm.lookup(a.start + 4096 + 5), { pfn: 0xfeb01, level: '4k', leafStart: a.start + 4096, bits: PAGE_KERNEL_BITS | 0x10 });
  assert.equal(vm.lookup(a.start + 2 * 4096), null, 'third page not mapped');
  vm.freeArea(a);
  assert.equal(vm.lookup(a.start), null);
  assert.notEqual(vm.allocArea(4096)!.start, a.start, 'lazily freed: not reused yet');
  vm.vmUnmapAliases();
  const c = vm.allocArea(4096)!;
  assert.equal(c.start, a.start);
  const v = vm.vmap([0x8000, 0x9000], PAGE_KERNEL_BITS)!;
  assert.equal(k.pgtable.lookupAddress(v + 4096)!.pfn, 0x9000);
  vm.vunmap(v);
  assert.equal(k.pgtable.lookupAddress(v), null);
});

test('spec 02 §13: memtype_kernel_map_sync changes the direct map of RAM only, below high_memory', () => {
  const k = bootKernel(amd64_small());
  assert.equal(memtypeKernelMapSync(k, 0x8000 * 4096, 2 * 4096, CM.WC), 0);
  const r = k.pgtable.lookupAddress(k.va(0x8001))!;
  assert.equal(k.tables.pgprot2cachemode(r.bits), CM.WC);
  assert.equal(k.memtype.pages.get(0x8000), CM.WB, 'no reservation made');
  const calls = k.counters.cpaCalls;
  assert.equal(memtypeKernelMapSync(k, 0xfeb00000, 4096, CM.UC_MINUS), 0, 'MMIO: nothing');
  assert.equal(k.counters.cpaCalls, calls);
  // Wired as Memtype.kernelMapSync.
  assert.equal(k.memtype.kernelMapSync(0x9000 * 4096, 4096, CM.UC_MINUS), 0);
  assert.equal(k.tables.pgprot2cachemode(k.pgtable.lookupAddress(k.va(0x9000))!.bits), CM.UC_MINUS);
  // 32-bit highmem lies beyond high_memory: nothing to sync.
  const h = bootKernel(i386pae_2g());
  const before = h.counters.cpaCalls;
  assert.equal(memtypeKernelMapSync(h, 0x50000 * 4096, 4096, CM.WC), 0);
  assert.equal(h.counters.cpaCalls, before);
});
