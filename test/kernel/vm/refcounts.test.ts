/**
 * Refcount/mapcount movement of normal vs special user PTEs (spec 04 §2,
 * §5, §6, §8) and GUP's refusals.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CM } from '../../../src/hw/cache-mode.js';
import { EFAULT, EINVAL } from '../../../src/kernel/errno.js';
import { KernelFatal } from '../../../src/kernel/fatal.js';
import { VM_FAULT_NOPAGE, VM_FAULT_SIGBUS } from '../../../src/kernel/vm/fault.js';
import { VM_IO, VM_MIXEDMAP, VM_PFNMAP } from '../../../src/kernel/vm/flags.js';
import { doFork } from '../../../src/kernel/vm/fork.js';
import { getUserPages, GUP_PIN_COUNTING_BIAS, unpinUserPage } from '../../../src/kernel/vm/gup.js';
import { vmInsertPage, vmInsertPages } from '../../../src/kernel/vm/insert-page.js';
import { vmfInsertMixed, vmfInsertPfn } from '../../../src/kernel/vm/insert-pfn.js';
import { doMunmap, exitMmap } from '../../../src/kernel/vm/lifecycle.js';
import { remapPfnRange } from '../../../src/kernel/vm/remap.js';
import { userMappings, userPageInfo } from '../../../src/kernel/vm/inventory.js';
import { boot, proc, vmaOf } from './helpers.js';

test('vm_insert_page: normal PTE, refcount and mapcount +1, RSS +1; munmap gives them back', () => {
  const k = boot();
  const mm = proc(k);
  const pfn = k.allocator.allocPages('GFP_KERNEL', 0);
  const v = vmaOf(k, mm, 2, 0, CM.WC);
  assert.equal(vmInsertPage(k, v, v.start, pfn), 0);
  assert.equal(k.pages.refcount.get(pfn), 2);
  assert.equal(k.pages.mapcount.get(pfn), 1);
  assert.equal(mm.rssFile, 1);
  assert.ok(userPageInfo(k, 1, v.start)!.gupable);
  const runs = [...userMappings(k)];
  assert.equal(runs.length, 1);
  assert.equal(runs[0]!.special, false);
  assert.equal(k.tables.pgprot2cachemode(runs[0]!.bits), CM.WC);
  assert.equal(doMunmap(k, mm, v.start, 8192), 0);
  assert.equal(k.pages.refcount.get(pfn), 1);
  assert.equal(k.pages.mapcount.get(pfn), 0);
  assert.equal(mm.rssFile, 0);
});

test('special PTEs (remap_pfn_range, vmf_insert_pfn, vmf_insert_mixed of RAM) move no refcount', () => {
  const k = boot();
  const mm = proc(k);
  const pfn = k.allocator.allocPages('GFP_KERNEL', 2);
  const before = Array.from(k.pages.refcount.slice(pfn, pfn + 4));
  const a = vmaOf(k, mm, 4);
  assert.equal(remapPfnRange(k, a, a.start, pfn, 4 * 4096, a.pageProt), 0);
  const b = vmaOf(k, mm, 1, VM_PFNMAP | VM_IO);
  assert.equal(vmfInsertPfn(k, b, b.start, pfn), VM_FAULT_NOPAGE);
  const c = vmaOf(k, mm, 1, VM_MIXEDMAP);
  assert.equal(vmfInsertMixed(k, c, c.start, pfn + 1), VM_FAULT_NOPAGE);
  assert.deepEqual(Array.from(k.pages.refcount.slice(pfn, pfn + 4)), before);
  assert.equal(k.pages.mapcount.get(pfn), 0);
  assert.ok([...userMappings(k)].every((r) => r.special));
  exitMmap(k, mm);
  assert.deepEqual(Array.from(k.pages.refcount.slice(pfn, pfn + 4)), before);
});

test('vmf_insert_mixed in a VM_PFNMAP VMA is SIGBUS; vmf_insert_pfn without PFNMAP/MIXEDMAP is a BUG', () => {
  const k = boot();
  const mm = proc(k);
  const v = vmaOf(k, mm, 1, VM_PFNMAP);
  assert.equal(vmfInsertMixed(k, v, v.start, 0xc0000), VM_FAULT_SIGBUS);
  const w = vmaOf(k, mm, 1);
  assert.throws(() => vmfInsertPfn(k, w, w.start, 0xc0000), KernelFatal);
});

test('vm_insert_page refuses a tail page of a non-compound allocation (-EINVAL) and BUGs on VM_PFNMAP', () => {
  const k = boot();
  const mm = proc(k);
  const pfn = k.allocator.allocPages('GFP_KERNEL', 2);
  const v = vmaOf(k, mm, 4);
  const r = vmInsertPages(k, v, v.start, [pfn, pfn + 1, pfn + 2]);
  assert.equal(r.ret, -EINVAL);
  assert.equal(r.remaining, 2);
  assert.equal(k.pages.refcount.get(pfn), 2);
  const p = vmaOf(k, mm, 1, VM_PFNMAP);
  assert.throws(() => vmInsertPage(k, p, p.start, pfn), KernelFatal);
});

test('GUP: normal pages get a reference or a pin; VM_PFNMAP and special PTEs are refused', () => {
  const k = boot();
  const mm = proc(k);
  const pfn = k.allocator.allocPages('GFP_KERNEL', 0);
  const v = vmaOf(k, mm, 2);
  vmInsertPage(k, v, v.start, pfn);
  const g = getUserPages(k, mm, v.start, 1, false, true);
  assert.equal(g.ret, 1);
  assert.equal(k.pages.refcount.get(pfn), 2 + GUP_PIN_COUNTING_BIAS);
  unpinUserPage(k, pfn);
  assert.equal(getUserPages(k, mm, v.start + 4096, 1, false, false).ret, -EFAULT);
  const s = vmaOf(k, mm, 1, VM_MIXEDMAP);
  vmfInsertMixed(k, s, s.start, pfn);
  assert.equal(getUserPages(k, mm, s.start, 1, false, false).ret, -EFAULT);
  const f = vmaOf(k, mm, 1, VM_PFNMAP | VM_IO);
  vmfInsertPfn(k, f, f.start, 0xc0000);
  assert.equal(getUserPages(k, mm, f.start, 1, false, false).ret, -EFAULT);
  assert.equal(k.pages.refcount.get(pfn), 2);
});

test('fork copies MIXEDMAP normal pages with +1 reference and mapcount; exit of both restores', () => {
  const k = boot();
  const mm = proc(k);
  const pfn = k.allocator.allocPages('GFP_KERNEL', 0);
  const v = vmaOf(k, mm, 1);
  vmInsertPage(k, v, v.start, pfn);
  const { child } = doFork(k, mm, 2);
  assert.ok(child);
  assert.equal(k.pages.refcount.get(pfn), 3);
  assert.equal(k.pages.mapcount.get(pfn), 2);
  assert.equal(child.rssFile, 1);
  exitMmap(k, child);
  exitMmap(k, mm);
  assert.equal(k.pages.refcount.get(pfn), 1);
  assert.equal(k.pages.mapcount.get(pfn), 0);
});
