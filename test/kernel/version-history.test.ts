/**
 * Behaviour that changed between the kernels the presets stand for, settled from the sources
 * (docs/decisions.md V1–V5): each preset gives its own kernel's outcome.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadScenarioFile } from '../../src/io/scenario/load.js';
import { KERNEL_DRIVER } from '../../src/run/driver.js';
import { runScenario } from '../../src/run/execute.js';
import { InputError } from '../../src/run/input-error.js';
import { KERNEL_PRESETS } from '../../src/kernel/version.js';
import { CM } from '../../src/hw/cache-mode.js';
import { VM_FAULT_OOM, VM_FAULT_SIGBUS } from '../../src/kernel/vm/fault.js';

const VERSIONS = Object.keys(KERNEL_PRESETS) as (keyof typeof KERNEL_PRESETS)[];

function run(kernel: string, steps: string, preset = 'desktop-x86-64') {
  const sc = loadScenarioFile(`name: history\nmachine:\n  preset: ${preset}\n  kernel: "${kernel}"\nsteps:\n${steps}`, 'history.yaml');
  return runScenario(sc, KERNEL_DRIVER);
}
const texts = (o: ReturnType<typeof run>) => o.steps.flatMap((s) => s.messages.map((m) => m.text));

test('V1: vmf_insert_mixed on a VMA without VM_MIXEDMAP is a BUG before v6.10, SIGBUS after', () => {
  const steps = '  - mmap: { size: 4K, flags: VM_PFNMAP|VM_IO }\n    as: m\n  - vmf_insert_mixed: { addr: m, pfn: 0xc0000 }\n';
  for (const v of VERSIONS) {
    const o = run(v, steps);
    if (KERNEL_PRESETS[v].vmMixedOkBug) {
      assert.equal(o.fatal?.step, 2, v);
      assert.match(o.fatal!.text, /^kernel BUG at mm\/memory\.c: __vm_insert_mixed: BUG_ON\(!vm_mixed_ok\(vma, pfn\)\)$/, v);
    } else {
      assert.equal(o.fatal, undefined, v);
      assert.deepEqual(o.steps[1]!.result.fields?.['fault'], { fault: VM_FAULT_SIGBUS }, v);
    }
  }
  assert.deepEqual(VERSIONS.filter((v) => KERNEL_PRESETS[v].vmMixedOkBug), ['6.6', '6.1']);
});

test('V2: vm_insert_page of a refcount-0 page into a VM_PFNMAP VMA is -EINVAL before v6.10, the VM_PFNMAP BUG after', () => {
  // The tail page of a non-compound order-1 block has refcount 0.
  const steps = '  - alloc_pages: { gfp: GFP_KERNEL, order: 1 }\n    as: p\n  - mmap: { size: 4K, flags: VM_PFNMAP|VM_IO }\n    as: m\n  - vm_insert_page: { addr: m, page: p.1 }\n';
  for (const v of VERSIONS) {
    const o = run(v, steps);
    if (KERNEL_PRESETS[v].insertPageCountFirst) {
      assert.equal(o.fatal, undefined, v);
      assert.equal(o.steps[2]!.result.ret, -22, v);
    } else {
      assert.equal(o.fatal?.step, 3, v);
      assert.match(o.fatal!.text, /vm_insert_page: BUG_ON\(vma->vm_flags & VM_PFNMAP\)/, v);
    }
  }
  // A page with a reference BUGs on every version: the order only matters for a refcount-0 page.
  for (const v of VERSIONS) assert.equal(run(v, steps.replace('page: p.1', 'page: p')).fatal?.step, 3, v);
});

test('V3: a TTM fault whose populate fails is VM_FAULT_OOM on 6.1, pr_debug and SIGBUS from v6.4', () => {
  // More than the machine's RAM: ttm_pool_alloc runs out.
  const steps = '  - ttm_device_init: {}\n  - ttm_bo_create: { size: 64G, caching: WC }\n    as: bo\n  - ttm_bo_mmap_obj: { bo: bo }\n    as: u\n  - ttm_bo_vm_fault: { addr: u }\n';
  for (const v of VERSIONS) {
    const o = run(v, steps);
    const f = o.steps[3]!;
    if (KERNEL_PRESETS[v].ttmPopulateFailOom) {
      assert.deepEqual(f.result.fields?.['fault'], { fault: VM_FAULT_OOM }, v);
      assert.ok(!texts(o).some((t) => t.startsWith('[TTM] TTM fault hit')), v);
    } else {
      assert.deepEqual(f.result.fields?.['fault'], { fault: VM_FAULT_SIGBUS }, v);
      assert.ok(f.messages.some((m) => m.text === '[TTM] TTM fault hit -ENOMEM.'), `${v}: ${JSON.stringify(f.messages)}`);
    }
  }
});

test('V4: allow_unsafe_mappings exists from v6.13: an older kvm ignores it with the loader\'s warning', () => {
  const steps =
    '  - ttm_device_init: {}\n  - ttm_bo_create: { size: 16K, caching: WC }\n    as: bo\n  - ttm_bo_mmap_obj: { bo: bo }\n    as: u\n' +
    '  - kvm_set_memory_region: { slot: 1, guest_phys_addr: 0x100000, memory_size: 16K, userspace_addr: u, allow_unsafe_mappings: true }\n';
  for (const v of VERSIONS) {
    const o = run(v, steps);
    const warned = o.steps[3]!.messages.some((m) => m.text === "kvm: unknown parameter 'allow_unsafe_mappings' ignored");
    assert.equal(warned, !KERNEL_PRESETS[v].kvmPfnmapNoRef, v);
    assert.equal(o.steps[3]!.result.fields?.['refcounting'], KERNEL_PRESETS[v].kvmPfnmapNoRef ? 'no-ref' : 'try-get', v);
  }
  assert.deepEqual(VERSIONS.filter((v) => KERNEL_PRESETS[v].kvmPfnmapNoRef), ['mainline']);
});

test('V5: vmf_insert_pfn_prot_mkwrite is refused on every preset, positioned, with where it exists', () => {
  for (const v of VERSIONS) {
    assert.throws(
      () => run(v, '  - mmap: { size: 4K, flags: VM_PFNMAP|VM_IO }\n    as: m\n  - vmf_insert_pfn_prot_mkwrite: { addr: m, pfn: 0xc0000, prot: WC }\n'),
      (e: unknown) => e instanceof InputError && /^history\.yaml:8:5: 'vmf_insert_pfn_prot_mkwrite' is not available: .*linux-mm at c6ed7499/.test(e.message),
      v,
    );
  }
});

/** The mode the lookup_memtype at step index `i` answered. */
const memtypeAt = (o: ReturnType<typeof run>, i: number): number => (o.steps[i]!.result.fields?.['type'] as { mode: number }).mode;

test('V6: a zap that keeps the VMA (zap_vma_ptes, unmap_mapping_range) frees a whole-VMA remap_pfn_range reservation before v6.16; from v6.16 the VMA\'s free does', () => {
  // Two pages of the PCI hole remapped WC over the whole VMA (reserved), then one page zapped, then lookup_memtype, then munmap.
  const remap = '  - mmap: { size: 8K }\n    as: m\n  - remap_pfn_range: { addr: m, pfn: 0xc0000, size: 8K, prot: WC }\n';
  const after = '  - lookup_memtype: { addr: 0xc0000000 }\n  - munmap: { addr: m, size: 8K }\n  - lookup_memtype: { addr: 0xc0000000 }\n';
  for (const zap of ['  - zap_vma_ptes: { addr: m, size: 4K }\n', '  - zap_page_range_single: { addr: m, size: 4K }\n', '  - unmap_mapping_range: { addr: m, pgoff: 1, count: 1 }\n']) {
    for (const v of VERSIONS) {
      const o = run(v, remap + zap + after);
      assert.equal(o.fatal, undefined, v);
      assert.equal(o.steps[1]!.result.ret, 0, `${v}: remap`);
      // lookup_memtype answers UC- for a range the tree no longer holds (spec 02 §12).
      const held = memtypeAt(o, 3);
      if (KERNEL_PRESETS[v].legacyTrackPfn) assert.notEqual(held, CM.WC, `${v} ${zap.trim()}: untrack_pfn(vma, 0, 0) in the zap freed the reservation`);
      else assert.equal(held, CM.WC, `${v} ${zap.trim()}: the zap leaves the reservation to the VMA's free`);
      assert.notEqual(memtypeAt(o, 5), CM.WC, `${v}: gone after munmap`);
      // Freed once: no 'freeing invalid memtype' from the munmap after the zap.
      assert.deepEqual(texts(o).filter((t) => /invalid memtype/.test(t)), [], v);
    }
  }
  // zap_vma_ptes of a range that is not inside the VMA does nothing, on every version: the reservation stays.
  for (const v of VERSIONS) {
    const o = run(v, remap + '  - zap_vma_ptes: { addr: m, size: 12K }\n  - lookup_memtype: { addr: 0xc0000000 }\n');
    assert.equal(o.fatal, undefined, v);
    assert.equal(memtypeAt(o, 3), CM.WC, v);
  }
});
