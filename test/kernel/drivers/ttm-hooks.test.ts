import assert from 'node:assert/strict';
import { test } from 'node:test';
import { loadPreset } from '../../../src/io/machine/load-machine.js';
import { CM } from '../../../src/hw/cache-mode.js';
import { ttmBoCreate, ttmTtPopulate } from '../../../src/kernel/drivers/ttm/bo.js';
import { TTM_CACHING } from '../../../src/kernel/drivers/ttm/caching.js';
import { ttmDeviceInit } from '../../../src/kernel/drivers/ttm/device.js';
import { ttmBoVmFault } from '../../../src/kernel/drivers/ttm/fault.js';
import { ttmBoMmap } from '../../../src/kernel/drivers/ttm/mmap.js';
import { BASELINE_HOOKS, type KernelHooks } from '../../../src/kernel/hooks.js';
import { selectPolicies } from '../../../src/policy/registry.js';
import { RFC_3_3 } from '../../../src/policy/ttm-skip-caching.js';
import { bootKernel, type Kernel } from '../../../src/kernel/kernel.js';
import { PAGE_CACHE_MASK } from '../../../src/hw/pte.js';

/** Boot a preset under today's kernel, a design, or explicit hooks. */
function boot(preset: string, design: string | KernelHooks = BASELINE_HOOKS): Kernel {
  return bootKernel(loadPreset(preset), typeof design === 'string' ? selectPolicies(design)[0]!.hooks : design);
}

/** Create, mmap and fault a WC BO of `pages`; the cache mode of every user PTE written. */
function wcFault(k: Kernel, pages: number, useDma32 = false) {
  const dev = ttmDeviceInit(k, { useDma32 });
  const bo = ttmBoCreate(k, dev, pages, { caching: TTM_CACHING.write_combined });
  const m = ttmBoMmap(k, bo);
  assert.equal(m.ret, 0);
  const r = ttmBoVmFault(k, m.vma!.start);
  const modes = new Set<number>();
  let n = 0;
  for (let i = 0; i < m.vma!.pages; i++)
    if (!m.vma!.ptes.isNone(i)) {
      n++;
      modes.add(k.tables.pgprot2cachemode(m.vma!.ptes.bitsAt(i) & PAGE_CACHE_MASK));
    }
  return { r, modes: [...modes], n, bo };
}

test('baseline 32-bit highmem WC BO: PAT override installs WB', () => {
  const { modes, n } = wcFault(boot('debian-6.1-686-pae-qemu'), 64);
  assert.equal(n, 16);
  assert.deepEqual(modes, [CM.WB]);
});

test('RFC 1/3 (ttmApplyToPageRange): the same fault installs WC through apply_to_page_range', () => {
  const k = boot('debian-6.1-686-pae-qemu', 'ttm-apply-to-page-range');
  const { modes, n } = wcFault(k, 64);
  assert.equal(n, 16);
  assert.deepEqual(modes, [CM.WC]);
  assert.ok(k.log.events.some((e) => e.kind === 'map' && e.call === 'apply_to_page_range' && e.installed === CM.WC));
});

test('RFC 2/3 (ttmPrefaultPmd): 512 PTEs per fault on PAE and x86-64', () => {
  assert.equal(wcFault(boot('debian-6.1-686-pae-qemu', 'ttm-prefault-pmd'), 1024).n, 512);
  assert.equal(wcFault(boot('desktop-x86-64', 'ttm-prefault-pmd'), 1024).n, 512);
  assert.equal(wcFault(boot('desktop-x86-64'), 1024).n, 16);
});

test('RFC 3/3 on an AMD x86-64 machine: clflush instead of set_pages_array_wc, no pool, fault falls back to WB', () => {
  const k = boot('debian-6.1-amd64-qemu', { ttmCaching: RFC_3_3 });
  const { modes, bo } = wcFault(k, 32);
  assert.deepEqual(modes, [CM.WB]);
  assert.equal(k.counters.cpaCalls, 0);
  assert.equal(k.counters.clflushPages, 32);
  assert.equal(k.memtype.pages.get(bo.ttm!.pages[0]!), CM.WB);
});

test('RFC 3/3 + RFC 1/3: WC user PTEs over a WB direct map (the aliasing Thomas objected to)', () => {
  const k = boot('debian-6.1-amd64-qemu', { ...selectPolicies('ttm-apply-to-page-range')[0]!.hooks, ttmCaching: RFC_3_3 });
  assert.deepEqual(wcFault(k, 32).modes, [CM.WC]);
});

test('baseline x86-64 WC BO: set_pages_array_wc, WC PTEs; dma32 on 32-bit gives lowmem WC', () => {
  const k = boot('desktop-x86-64');
  const { modes, bo } = wcFault(k, 32);
  assert.deepEqual(modes, [CM.WC]);
  assert.equal(k.memtype.pages.get(bo.ttm!.pages[5]!), CM.WC);
  const k32 = boot('x86-32-pae-4g');
  const r = wcFault(k32, 32, true);
  assert.deepEqual(r.modes, [CM.WC]);
  assert.ok(!k32.pages.isHighMem(r.bo.ttm!.pages[0]!));
});

test('a MAP_PRIVATE writable mmap of a BO is refused (-EINVAL)', () => {
  const k = boot('desktop-x86-64');
  const bo = ttmBoCreate(k, ttmDeviceInit(k), 4, { caching: TTM_CACHING.cached });
  assert.equal(ttmBoMmap(k, bo, { shared: false }).ret, -22);
  assert.equal(ttmTtPopulate(k, bo).ret, 0);
});
