import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CM } from '../../../src/hw/cache-mode.js';
import { bootKernel } from '../../../src/kernel/kernel.js';
import { PAGE_KERNEL_BITS } from '../../../src/kernel/mm/linear-map.js';
import { memtypeKernelMapSync } from '../../../src/kernel/pat/memtype-sync.js';
import { lazyMaxPages, Vmalloc, type VmArea } from '../../../src/kernel/mm/vmalloc.js';
import fc from '../../fc.js';
import { MessageLog } from '../../../src/kernel/printk.js';
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

// ---- alloc_vmap_area: first fit, the overflow purge, the lazy drain ----

/** The allocator as a plain list walk: every reserved area sorted afresh for each allocation, purged only when asked (or on overflow). */
class NaiveVmalloc {
  readonly taken: { start: number; size: number; lazy: boolean }[] = [];
  constructor(
    readonly start: number,
    readonly end: number,
    readonly lazyMax: number,
  ) {}
  private fit(total: number, al: number): number | null {
    let addr = Math.ceil(this.start / al) * al;
    for (const a of [...this.taken].sort((x, y) => x.start - y.start)) {
      if (addr + total <= a.start) break;
      if (a.start + a.size > addr) addr = Math.ceil((a.start + a.size) / al) * al;
    }
    return addr + total > this.end ? null : addr;
  }
  alloc(pages: number, al: number): number | null {
    const total = (pages + 1) * 4096;
    let addr = this.fit(total, al);
    if (addr === null && this.taken.some((a) => a.lazy)) {
      this.purge();
      addr = this.fit(total, al);
    }
    if (addr !== null) this.taken.push({ start: addr, size: total, lazy: false });
    return addr;
  }
  free(start: number): void {
    this.taken.find((a) => a.start === start && !a.lazy)!.lazy = true;
    const lazyPages = this.taken.filter((a) => a.lazy).reduce((n, a) => n + a.size / 4096, 0);
    if (lazyPages > this.lazyMax) this.purge();
  }
  purge(): void {
    for (let i = this.taken.length - 1; i >= 0; i--) if (this.taken[i]!.lazy) this.taken.splice(i, 1);
  }
}

test('property: vmalloc placement is the first fit over every live and lazily freed area, with the overflow purge and the drain past lazy_max_pages', () => {
  fc.assert(
    fc.property(
      fc.array(fc.tuple(fc.nat(9), fc.nat(40), fc.nat(3)), { minLength: 1, maxLength: 120 }),
      fc.integer({ min: 24, max: 200 }),
      fc.integer({ min: 4, max: 64 }),
      (ops, spacePages, lazyMax) => {
        const start = 0x100000000;
        const vm = new Vmalloc(start, start + spacePages * 4096, lazyMax);
        const ref = new NaiveVmalloc(start, start + spacePages * 4096, lazyMax);
        const live: VmArea[] = [];
        for (const [op, a, b] of ops) {
          if (op < 6 || live.length === 0) {
            const pages = 1 + (a % 6);
            const al = 4096 << (b % 3) * 2;
            const got = vm.allocArea(pages * 4096, al);
            const want = ref.alloc(pages, al);
            assert.equal(got?.start ?? null, want);
            if (got) live.push(got);
          } else if (op < 9) {
            const [area] = live.splice(a % live.length, 1);
            vm.freeArea(area!);
            ref.free(area!.start);
          } else {
            vm.vmUnmapAliases();
            ref.purge();
          }
        }
      },
    ),
    { seed: 4242, numRuns: 300 },
  );
});

test('alloc_vmap_area overflow: a space full of lazily freed areas is purged and the allocation retried, as the kernel does', () => {
  const start = 0x100000000;
  const printk = new MessageLog();
  const vm = new Vmalloc(start, start + 16 * 4096, Infinity, printk);
  const areas = [];
  for (let i = 0; i < 8; i++) areas.push(vm.allocArea(4096)!);
  assert.equal(vm.allocArea(4096), null, 'full: 8 areas of a page and its guard');
  for (const a of areas) vm.freeArea(a);
  const purged = vm.purged;
  const again = vm.allocArea(4096);
  assert.equal(again?.start, start, 'the purge made the lowest address free again');
  assert.equal(vm.purged, purged + 8);
  // Still full with live areas only: the warning's size counts the guard page.
  for (let i = 0; i < 7; i++) vm.allocArea(4096);
  printk.messages.length = 0;
  assert.equal(vm.allocArea(3 * 4096), null);
  assert.deepEqual(printk.messages, [{ level: 'warn', text: `vmap allocation for size ${4 * 4096} failed: use vmalloc=<size> to increase size` }]);
});

test('free_vmap_area_noflush: past lazy_max_pages (fls(num_online_cpus()) x 32 MiB) the lazily freed areas are drained', () => {
  assert.equal(lazyMaxPages(1), 8192);
  assert.equal(lazyMaxPages(2), 16384);
  assert.equal(lazyMaxPages(4), 24576);
  assert.equal(lazyMaxPages(8), 32768);
  const k = bootKernel(amd64_small());
  const vm = k.vmalloc;
  const max = lazyMaxPages(k.machine.cpu.nCpus);
  // Areas of 1023 pages and a guard: the drain comes with the free that takes the lazy pages past the limit.
  const n = Math.floor(max / 1024) + 1;
  const areas = Array.from({ length: n }, () => vm.allocArea(1023 * 4096)!);
  const purged = vm.purged;
  areas.slice(0, n - 1).forEach((a) => vm.freeArea(a));
  assert.equal(vm.purged, purged, `${(n - 1) * 1024} lazy pages: not past ${max}`);
  vm.freeArea(areas[n - 1]!);
  assert.equal(vm.purged, purged + n);
  assert.equal(vm.allocArea(4096)!.start, areas[0]!.start, 'the drained addresses are reused');
});
