/** The debate's vm-level hooks (spec 06 §3, §6; spec/07 A10). */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CM } from '../../../src/hw/cache-mode.js';
import { CALLS } from '../../../src/run/driver.js';
import { EINVAL } from '../../../src/kernel/errno.js';
import { KernelFatal } from '../../../src/kernel/fatal.js';
import { directMapMode } from '../../../src/kernel/mm/direct-map-mode.js';
import { VM_FAULT_NOPAGE, VM_FAULT_SIGBUS } from '../../../src/kernel/vm/fault.js';
import { VM_IO, VM_MIXEDMAP, VM_PFNMAP } from '../../../src/kernel/vm/flags.js';
import { vmfInsertMixed, vmfInsertPfn, vmfInsertPfnProt, vmfInsertPfnProtMkwrite } from '../../../src/kernel/vm/insert-pfn.js';
import { vmfInsertPagesPfnmapProt } from '../../../src/policy/pages-into-pfnmap.js';
import { vmfInsertRamPfnProt } from '../../../src/policy/ram-pfn-api.js';
import { vmInsertPagesPgprot } from '../../../src/policy/vm-insert-pages-pgprot.js';
import { boot, modeAt, proc, protWith, vmaOf } from './helpers.js';

const warnings = (k: ReturnType<typeof boot>): string[] => k.log.messages().filter((m) => m.level === 'warning-splat').map((m) => m.text);

test('baseline: vmf_insert_pfn_prot replaces WC by the RAM page flag (WB)', () => {
  const k = boot();
  const mm = proc(k);
  const pfn = k.allocator.allocPages('GFP_KERNEL', 0);
  const v = vmaOf(k, mm, 1, VM_PFNMAP | VM_IO);
  assert.equal(vmfInsertPfnProt(k, v, v.start, pfn, protWith(k, v, CM.WC)), VM_FAULT_NOPAGE);
  assert.equal(modeAt(k, v, v.start), CM.WB);
});

test('insert-honours-prot: the _prot entry points keep WC; vmf_insert_pfn and vmf_insert_mixed keep the lookup (A10)', () => {
  const k = boot('insert-honours-prot', { debugChecks: undefined });
  const mm = proc(k);
  const pfn = k.allocator.allocPages('GFP_KERNEL', 0);
  const a = vmaOf(k, mm, 2, VM_PFNMAP | VM_IO, CM.WC);
  vmfInsertPfnProt(k, a, a.start, pfn, protWith(k, a, CM.WC));
  vmfInsertPfnProtMkwrite(k, a, a.start + 4096, pfn, protWith(k, a, CM.WC), true);
  assert.equal(modeAt(k, a, a.start), CM.WC);
  assert.equal(modeAt(k, a, a.start + 4096), CM.WC);
  const b = vmaOf(k, mm, 1, VM_PFNMAP | VM_IO, CM.WC);
  vmfInsertPfn(k, b, b.start, pfn);
  assert.equal(modeAt(k, b, b.start), CM.WB);
  const c = vmaOf(k, mm, 1, VM_MIXEDMAP, CM.WC);
  vmfInsertMixed(k, c, c.start, 0xc0000);
  assert.equal(modeAt(k, c, c.start), CM.UC_MINUS);
});

test('insert-honours-prot with its debug checks: WARNs name the direct map and the missing reservation', () => {
  const k = boot('insert-honours-prot');
  const mm = proc(k);
  const pfn = k.allocator.allocPages('GFP_KERNEL', 0);
  const v = vmaOf(k, mm, 2, VM_PFNMAP | VM_IO);
  vmfInsertPfnProt(k, v, v.start, pfn, protWith(k, v, CM.WC));
  vmfInsertPfnProt(k, v, v.start + 4096, 0xc0000, protWith(k, v, CM.WC));
  const hex = '0x' + pfn.toString(16);
  assert.deepEqual(warnings(k), [
    `WARNING: vmf_insert_pfn_prot: pfn ${hex} requested write-combining, direct map is write-back`,
    `WARNING: vmf_insert_pfn_prot: pfn ${hex} requested write-combining, page memtype is write-back`,
    'WARNING: vmf_insert_pfn_prot: pfn 0xc0000 requested write-combining, PAT tracks uncached-minus',
  ]);
});

test('set-pages-on-insert: the RAM page is converted (flag + direct map) and the PTE is WC; another mode then fails', () => {
  const k = boot('set-pages-on-insert');
  const mm = proc(k);
  const pfn = k.allocator.allocPages('GFP_KERNEL', 0);
  const v = vmaOf(k, mm, 2, VM_PFNMAP | VM_IO);
  assert.equal(vmfInsertPfnProt(k, v, v.start, pfn, protWith(k, v, CM.WC)), VM_FAULT_NOPAGE);
  assert.equal(modeAt(k, v, v.start), CM.WC);
  assert.equal(k.memtype.pages.get(pfn), CM.WC);
  assert.equal(directMapMode(k, pfn), CM.WC);
  assert.ok(k.counters.cpaCalls > 0);
  assert.equal(vmfInsertPfnProt(k, v, v.start + 4096, pfn, protWith(k, v, CM.UC_MINUS)), VM_FAULT_SIGBUS);
  assert.match(k.log.messages().at(-1)!.text, /reserve_ram_pages_type failed/);
});

test('the calls a design adds are unavailable unless that design is in force', () => {
  const k = boot();
  for (const name of ['vm_insert_pages_pgprot', 'vmf_insert_pages_pfnmap_prot', 'vmf_insert_ram_pfn_prot']) {
    const c = CALLS.get(name)!;
    assert.ok(c.available?.(k), `${name} should be unavailable`);
  }
  const own = { vm_insert_pages_pgprot: 'vm-insert-pages-pgprot', vmf_insert_pages_pfnmap_prot: 'pages-into-pfnmap', vmf_insert_ram_pfn_prot: 'ram-pfn-api' } as const;
  for (const [name, design] of Object.entries(own)) {
    assert.equal(CALLS.get(name)!.available?.(boot(design)), null, `${name} under ${design}`);
    for (const other of Object.values(own)) if (other !== design) assert.ok(CALLS.get(name)!.available?.(boot(other)), `${name} under ${other}`);
  }
});

test('vm-insert-pages-pgprot: WC normal PTEs with refcounts; tail pages -EINVAL; BUG on VM_PFNMAP', () => {
  const k = boot('vm-insert-pages-pgprot');
  const mm = proc(k);
  const pfn = k.allocator.allocPages('GFP_KERNEL', 1);
  const v = vmaOf(k, mm, 2);
  const r = vmInsertPagesPgprot(k, v, v.start, [pfn, pfn + 1], protWith(k, v, CM.WC));
  assert.equal(r.ret, -EINVAL);
  assert.equal(r.remaining, 1);
  assert.equal(modeAt(k, v, v.start), CM.WC);
  assert.equal(k.pages.refcount.get(pfn), 2);
  assert.equal(k.pages.mapcount.get(pfn), 1);
  const p = vmaOf(k, mm, 1, VM_PFNMAP);
  assert.throws(() => vmInsertPagesPgprot(k, p, p.start, [pfn], p.pageProt), KernelFatal);
});

test('pages-into-pfnmap: special WC PTEs in a VM_PFNMAP VMA, no refcount', () => {
  const k = boot('pages-into-pfnmap');
  const mm = proc(k);
  const pfn = k.allocator.allocPages('GFP_KERNEL', 1);
  const v = vmaOf(k, mm, 2, VM_PFNMAP | VM_IO);
  assert.equal(vmfInsertPagesPfnmapProt(k, v, v.start, [pfn, pfn + 1], protWith(k, v, CM.WC)), VM_FAULT_NOPAGE);
  assert.equal(modeAt(k, v, v.start + 4096), CM.WC);
  assert.equal(k.pages.refcount.get(pfn), 1);
  assert.equal(k.pages.mapcount.get(pfn), 0);
});

test('ram-pfn-api: RAM keeps WC; non-RAM is refused only with the debug checks', () => {
  const k = boot('ram-pfn-api', { debugChecks: undefined });
  const mm = proc(k);
  const pfn = k.allocator.allocPages('GFP_KERNEL', 0);
  const v = vmaOf(k, mm, 2, VM_PFNMAP | VM_IO);
  assert.equal(vmfInsertRamPfnProt(k, v, v.start, pfn, protWith(k, v, CM.WC)), VM_FAULT_NOPAGE);
  assert.equal(modeAt(k, v, v.start), CM.WC);
  assert.equal(vmfInsertRamPfnProt(k, v, v.start + 4096, 0xc0000, protWith(k, v, CM.WC)), VM_FAULT_NOPAGE);
  const d = boot('ram-pfn-api');
  const dm = proc(d);
  const w = vmaOf(d, dm, 1, VM_PFNMAP | VM_IO);
  assert.equal(vmfInsertRamPfnProt(d, w, w.start, 0xc0000, protWith(d, w, CM.WC)), VM_FAULT_SIGBUS);
  assert.equal(warnings(d)[0], 'WARNING: vmf_insert_ram_pfn_prot: pfn 0xc0000 is not System RAM');
});
