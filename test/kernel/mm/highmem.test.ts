import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CM } from '../../../src/hw/cache-mode.js';
import { EFAULT } from '../../../src/kernel/errno.js';
import { KernelFatal } from '../../../src/kernel/fatal.js';
import { bootKernel } from '../../../src/kernel/kernel.js';
import { PAGE_KERNEL_BITS } from '../../../src/kernel/mm/linear-map.js';
import { _setMemoryUc, setPagesArrayWb, setPagesArrayWc, setPagesUc, setPagesWb } from '../../../src/kernel/mm/set-memory.js';
import { amd64_small, i386pae_2g } from './machines.js';

const HIGH = 0x50000; // a highmem pfn on i386pae-2g (max_low_pfn 0x36ffe)

test('spec 03 §5.3: set_pages_array_wc with a highmem page oopses in __cpa_process_fault (Debian 6.1 686-pae)', () => {
  const k = bootKernel(i386pae_2g());
  assert.ok(k.pages.isHighMem(HIGH));
  const low = 0x2000;
  assert.throws(
    () => setPagesArrayWc(k, [low, HIGH]),
    (e: unknown) => e instanceof KernelFatal && e.what === 'oops' && e.where === '__cpa_process_fault' && e.text === 'BUG: kernel NULL pointer dereference, address: 00000000',
  );
  const fatal = k.log.events.filter((e) => e.kind === 'fatal');
  assert.equal(fatal.length, 1);
  // The reservation loop skipped the highmem page; the lowmem one was reserved and its PTE already changed.
  assert.equal(k.memtype.pages.get(HIGH), CM.WB);
  assert.equal(k.memtype.pages.get(low), CM.WC);
  const r = k.pgtable.lookupAddress(k.va(low))!;
  assert.equal(k.tables.pgprot2cachemode(r.bits), CM.UC_MINUS, 'first pass ran up to the oops');
  // set_pages_array_wb also walks the highmem page in pages mode.
  const k2 = bootKernel(i386pae_2g());
  assert.throws(() => setPagesArrayWb(k2, [HIGH]), KernelFatal);
});

test('spec 03 §5.2: set_pages_uc on a non-kmapped highmem page reserves __pa(0) = 0x40000000, WARNs and frees it', () => {
  const k = bootKernel(i386pae_2g());
  assert.equal(setPagesUc(k, HIGH, 1), -EFAULT);
  const msgs = k.log.messages(0).map((m) => m.text);
  assert.ok(msgs.includes('WARNING: CPA: called for zero pte. vaddr = 0 cpa->vaddr = 0'), msgs.join('\n'));
  // The wrong page (pfn 0x40000, lowmem? no: it is highmem RAM at 1 GiB) was reserved then freed again.
  assert.equal(k.memtype.pages.get(0x40000), CM.WB);
  assert.equal(k.memtype.pages.get(HIGH), CM.WB);
  // If the wrong page is already WC, the reservation fails first: -EBUSY with the page-flag message.
  assert.equal(setPagesArrayWc(k, [0x2000]), 0);
  k.memtype.pages.setRange(0x40000, 0x40001, CM.WC);
  assert.equal(setPagesUc(k, HIGH, 1), -16);
  assert.ok(k.log.messages().some((m) => m.text === 'x86/PAT: reserve_ram_pages_type failed [mem 0x40000000-0x40000fff], track 0x1, req 0x2'));
  // set_pages_wb: WARN, -EFAULT, and nothing freed.
  assert.equal(setPagesWb(k, HIGH, 1), -EFAULT);
  assert.equal(k.memtype.pages.get(0x40000), CM.WC);
});

test('spec 03 §5.2: with CONFIG_DEBUG_VIRTUAL, __pa(0) BUGs', () => {
  const k = bootKernel(i386pae_2g({ debugVirtual: true }));
  assert.throws(() => setPagesUc(k, HIGH, 1), (e: unknown) => e instanceof KernelFatal && e.what === 'BUG' && e.where === '__phys_addr');
});

test('kmap: a kmapped highmem page has a pkmap address; set_pages_uc changes the pkmap PTE', () => {
  const k = bootKernel(i386pae_2g());
  const va = k.highmem.kmap(HIGH);
  assert.equal(va, k.layout.pkmapBase! + 4096, 'first slot used is 1 (map_new_virtual starts after last_pkmap_nr 0)');
  assert.equal(k.highmem.pageAddress(HIGH), va);
  assert.deepEqual(k.pgtable.lookupAddress(va), { pfn: HIGH, level: '4k', leafStart: va, bits: PAGE_KERNEL_BITS });
  // set_memory_uc(page_address(page)): the reservation uses __pa(pkmap address), a wrong range; the pkmap PTE changes.
  const wrongPfn = Math.floor((va - 0xc0000000) / 4096);
  assert.equal(setPagesUc(k, HIGH, 1), 0);
  assert.equal(k.memtype.pages.get(wrongPfn), CM.UC_MINUS);
  assert.equal(k.memtype.pages.get(HIGH), CM.WB);
  assert.equal(k.tables.pgprot2cachemode(k.pgtable.lookupAddress(va)!.bits), CM.UC_MINUS);
});

test('kmap_flush_unused at CPA start drops unused pkmaps; kmap_local uses fixmap slots with the given prot', () => {
  const k = bootKernel(i386pae_2g());
  const va = k.highmem.kmap(HIGH);
  k.highmem.kunmap(HIGH);
  // Unused but not yet flushed: page_address still answers.
  assert.equal(k.highmem.pageAddress(HIGH), va);
  assert.equal(_setMemoryUc(k, k.va(0x3000), 1), 0);
  assert.equal(k.highmem.pageAddress(HIGH), null);
  assert.equal(k.pgtable.lookupAddress(va), null);
  assert.equal(k.counters.tlbFlushAll >= 1, true);
  // kmap_local_page_prot on highmem: a fixmap slot with the prot; on lowmem the direct map (prot ignored).
  const wc = PAGE_KERNEL_BITS | k.tables.cachemode2protval(CM.WC);
  const l = k.highmem.kmapLocalPageProt(HIGH, wc);
  assert.equal(k.tables.pgprot2cachemode(k.pgtable.lookupAddress(l)!.bits), CM.WC);
  assert.equal(k.highmem.kmapLocalPageProt(0x3000, wc), k.va(0x3000));
  k.highmem.kunmapLocal(l);
  assert.equal(k.pgtable.lookupAddress(l), null);
});

test('x86-64 has no highmem: kmap and kmap_local return the direct-map address', () => {
  const k = bootKernel(amd64_small());
  assert.equal(k.highmem.kmap(0x8000), k.va(0x8000));
  assert.equal(k.highmem.kmapLocalPageProt(0x8000, 0x1b), k.va(0x8000));
  assert.equal(k.highmem.pageAddress(0x8000), k.va(0x8000));
  assert.equal(k.pages.isHighMem(0x8000), false);
});
