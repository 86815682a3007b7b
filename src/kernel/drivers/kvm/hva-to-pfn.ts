/**
 * `hva_to_pfn`, `hva_to_pfn_remapped`, `kvm_release_pfn` and
 * `__kvm_vcpu_map` (virt/kvm/kvm_main.c; spec 05 §5), on the vm layer's
 * user page tables.
 *
 * GUP (fast and slow) succeeds only on a present, non-special PTE of a VMA
 * without VM_IO/VM_PFNMAP (taking a page reference); faulting in ordinary
 * memory is not modelled. `VM_IO | VM_PFNMAP` VMAs — a TTM BO's — go through
 * `hva_to_pfn_remapped`, which runs the VMA's fault handler
 * (`fixup_user_fault`: the TTM fault path) when no PTE is there yet.
 */

import { CM } from '../../../hw/cache-mode.js';
import { NotModelledError } from '../../not-modelled.js';
import type { MmContext } from '../../mm/mm-context.js';
import { VM_FAULT_OOM, VM_FAULT_SIGBUS, VM_FAULT_SIGSEGV } from '../../vm/fault.js';
import { VM_IO, VM_PFNMAP, _PAGE_RW, _PAGE_SPECIAL } from '../../vm/flags.js';
import { vmState } from '../../vm/mm.js';
import type { Vma } from '../../vm/vma.js';
import { holdOf, pageRefs, pruneHold, refHazard } from '../page-refs.js';
import { driverFault } from '../vm-ops.js';
import type { Kvm } from './kvm.js';

/** `KVM_PFN_ERR_*` / `KVM_PFN_NOSLOT` names the model returns instead of a pfn. */
export type KvmPfnErr = 'KVM_PFN_NOSLOT' | 'KVM_PFN_ERR_FAULT' | 'KVM_PFN_ERR_RO_FAULT';

export interface HvaToPfnResult {
  pfn: number;
  err: KvmPfnErr | null;
  /** `kfp->refcounted_page != NULL`: KVM holds a page reference. */
  refcounted: boolean;
  writable: boolean;
  path: 'gup' | 'remapped' | 'none';
}

/** A refusal: what failed is recorded as the step's reason (kernel/events.ts `refusal`). */
function fail(k: MmContext, fn: string, why: string, err: KvmPfnErr, path: HvaToPfnResult['path']): HvaToPfnResult {
  k.log.refuse(fn, why, err);
  return { pfn: -1, err, refcounted: false, writable: false, path };
}

/** The present PTE at `hva`, or null. */
function follow(vma: Vma, hva: number): { pfn: number; bits: number } | null {
  const s = vma.slot(hva);
  const e = vma.ptes.entry(s);
  return e ? { pfn: e.pfn, bits: e.bits } : null;
}

/**
 * `hva_to_pfn(kfp)` for guest physical address `gpa`: memslot → hva; GUP
 * (refcounted) or, for `VM_IO | VM_PFNMAP`, `hva_to_pfn_remapped`. `pin`
 * marks a caller outside MMU-notifier protection (`__kvm_vcpu_map`).
 */
export function hvaToPfn(k: MmContext, vm: Kvm, gpa: number, o: { write: boolean; pin: boolean }): HvaToPfnResult {
  const m = vm.gfnToHva(Math.floor(gpa / 4096));
  if (!m) return fail(k, '__gfn_to_hva_many', `no memslot holds gfn 0x${Math.floor(gpa / 4096).toString(16)}`, 'KVM_PFN_NOSLOT', 'none');
  const mm = vmState(k).procs.get(m.slot.pid);
  const vma = mm?.vmaLookup(m.hva) ?? null;
  if (!mm || !vma) return fail(k, 'hva_to_pfn', `no VMA at hva 0x${m.hva.toString(16)}`, 'KVM_PFN_ERR_FAULT', 'none');
  if (!(vma.flags & (VM_IO | VM_PFNMAP))) {
    let pte = follow(vma, m.hva);
    if (!pte) {
      // GUP faults the page in through the VMA's handler (a driver VMA); anonymous memory is not modelled.
      if (!vma.file) throw new NotModelledError(`hva_to_pfn: GUP faulting in anonymous memory at 0x${m.hva.toString(16)}`);
      const r = driverFault(k, mm, vma.file, m.hva, o.write);
      if (r & (VM_FAULT_OOM | VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV)) return fail(k, 'hva_to_pfn_slow', `GUP's fault at 0x${m.hva.toString(16)} failed (${faultName(r)})`, 'KVM_PFN_ERR_FAULT', 'gup');
      pte = follow(vma, m.hva);
    }
    // GUP refuses special PTEs (vm_normal_page() is NULL): -EFAULT.
    if (!pte || pte.bits & _PAGE_SPECIAL) return fail(k, 'hva_to_pfn_slow', pte ? 'vm_normal_page() is NULL: a special PTE, GUP takes no reference' : 'no PTE after the fault', 'KVM_PFN_ERR_FAULT', 'gup');
    k.pages.refcount.set(pte.pfn, k.pages.refcount.get(pte.pfn) + 1);
    holdOf(k, 'kvm', pte.pfn).refs++;
    k.log.events.push({ kind: 'ref-taken', step: k.log.step, pfn: pte.pfn, holder: 'kvm', file: vma.file?.name ?? null, driverOwned: vma.file?.ownsPagesUnrefcounted === true });
    vm.held.push({ pfn: pte.pfn, hva: m.hva, pid: m.slot.pid, refcounted: true });
    return { pfn: pte.pfn, err: null, refcounted: true, writable: (pte.bits & _PAGE_RW) !== 0, path: 'gup' };
  }
  return hvaToPfnRemapped(k, vm, vma, m.hva, m.slot.pid, o);
}

/**
 * `hva_to_pfn_remapped(vma, kfp, &pfn)` (spec 05 §5): v6.13+ refuses a pin
 * unless `allow_unsafe_mappings`; no PTE → `fixup_user_fault` (the driver's
 * fault handler; an error → KVM_PFN_ERR_FAULT) and follow again; a write on
 * a read-only PTE → KVM_PFN_ERR_RO_FAULT; then the refcount rule of the
 * version (kernel/drivers/kvm/kvm.ts).
 */
function faultName(r: number): string {
  return r & VM_FAULT_OOM ? 'VM_FAULT_OOM' : r & VM_FAULT_SIGBUS ? 'VM_FAULT_SIGBUS' : 'VM_FAULT_SIGSEGV';
}

function hvaToPfnRemapped(k: MmContext, vm: Kvm, vma: Vma, hva: number, pid: number, o: { write: boolean; pin: boolean }): HvaToPfnResult {
  if (vm.refMode === 'no-ref' && o.pin && !vm.allowUnsafeMappings) return fail(k, 'hva_to_pfn_remapped', 'a pin (kvm_vcpu_map) of a VM_PFNMAP page without kvm.allow_unsafe_mappings', 'KVM_PFN_ERR_FAULT', 'remapped');
  let pte = follow(vma, hva);
  if (!pte) {
    const r = driverFault(k, vma.mm, vma.file, Math.floor(hva / 4096) * 4096, o.write);
    if (r & (VM_FAULT_OOM | VM_FAULT_SIGBUS | VM_FAULT_SIGSEGV)) return fail(k, 'fixup_user_fault', `the driver's fault at 0x${hva.toString(16)} failed (${faultName(r)})`, 'KVM_PFN_ERR_FAULT', 'remapped');
    pte = follow(vma, hva);
    if (!pte) return fail(k, 'hva_to_pfn_remapped', 'no PTE after fixup_user_fault', 'KVM_PFN_ERR_FAULT', 'remapped');
  }
  const writable = (pte.bits & _PAGE_RW) !== 0;
  if (o.write && !writable) return fail(k, 'hva_to_pfn_remapped', 'a write through a read-only PTE', 'KVM_PFN_ERR_RO_FAULT', 'remapped');
  const pfn = pte.pfn;
  const valid = k.pages.pfnValid(pfn) && !k.pages.isReserved(pfn);
  let refcounted = false;
  if (vm.refMode === 'try-get' && valid) {
    // kvm_try_get_pfn → get_page_unless_zero: a refcount-0 tail of a non-compound block is refused.
    if (k.pages.refcount.get(pfn) === 0) return fail(k, 'kvm_try_get_pfn', `get_page_unless_zero() fails: refcount 0 at pfn 0x${pfn.toString(16)} (a tail page of a non-compound allocation)`, 'KVM_PFN_ERR_FAULT', 'remapped');
    refcounted = true;
  } else if (vm.refMode === 'get-page' && valid) refcounted = true;
  if (refcounted) {
    k.pages.refcount.set(pfn, k.pages.refcount.get(pfn) + 1);
    holdOf(k, 'kvm', pfn).refs++;
    k.log.events.push({ kind: 'ref-taken', step: k.log.step, pfn, holder: 'kvm', file: vma.file?.name ?? null, driverOwned: vma.file?.ownsPagesUnrefcounted === true });
  } else holdOf(k, 'kvm', pfn).unref++;
  vm.held.push({ pfn, hva, pid, refcounted });
  return { pfn, err: null, refcounted, writable, path: 'remapped' };
}

/**
 * `kvm_release_pfn(pfn, dirty)` / `kvm_release_page_clean`: drop what
 * `hva_to_pfn` took for `pfn` (the oldest such entry). A reference is put;
 * reaching 0 frees the page — legitimately when its owner already freed it
 * (it was orphaned, spec 05 §5), otherwise it is the CVE-2021-22543 hazard:
 * KVM frees a page it never owned (a TTM tail page with refcount 0 that the
 * pre-2021 `get_page` took). Returns false if KVM held nothing for `pfn`.
 */
export function kvmReleasePfn(k: MmContext, vm: Kvm, pfn: number): boolean {
  let i = vm.held.findIndex((e) => e.pfn === pfn && e.refcounted);
  if (i < 0) i = vm.held.findIndex((e) => e.pfn === pfn);
  if (i < 0) return false;
  const e = vm.held.splice(i, 1)[0]!;
  const h = holdOf(k, 'kvm', pfn);
  if (!e.refcounted) {
    h.unref--;
    pruneHold(k, 'kvm', pfn);
    return true;
  }
  h.refs--;
  pruneHold(k, 'kvm', pfn);
  const rc = k.pages.refcount;
  rc.set(pfn, rc.get(pfn) - 1);
  if (rc.get(pfn) > 0) return true;
  const reg = pageRefs(k);
  if (!reg.orphans.delete(pfn)) refHazard(k, pfn, 'kvm', 'put_page drops the last reference of a page KVM did not own: freed under its owner (CVE-2021-22543)');
  rc.set(pfn, 1);
  k.allocator.free(pfn, 0);
  return true;
}

/**
 * `__kvm_vcpu_map(vcpu, gpa, map)` (pin = true): `hva_to_pfn`; a valid pfn
 * is mapped with `kmap()` — a **WB** kernel alias whatever the user mapping's
 * caching (recorded as a `map` event) — else `memremap(MEMREMAP_WB)` (not
 * modelled).
 */
export function kvmVcpuMap(k: MmContext, vm: Kvm, gpa: number): { r: HvaToPfnResult; vaddr: number | null } {
  const r = hvaToPfn(k, vm, gpa, { write: true, pin: true });
  if (r.err) return { r, vaddr: null };
  if (!k.pages.pfnValid(r.pfn)) throw new NotModelledError('__kvm_vcpu_map of a pfn without struct page (memremap)');
  const va = k.highmem.kmap(r.pfn);
  // The entry hva_to_pfn just added: KVM keeps it mapped until kvm_vcpu_unmap, outside MMU-notifier protection.
  vm.held[vm.held.length - 1]!.mapped = true;
  k.log.events.push({ kind: 'map', step: k.log.step, call: 'kvm_vcpu_map', space: k.pages.isHighMem(r.pfn) ? 'kmap' : 'direct', pfn: r.pfn, npages: 1, requested: CM.WB, installed: CM.WB });
  return { r, vaddr: va };
}

/** `kvm_vcpu_unmap(vcpu, map)`: kunmap and release. */
export function kvmVcpuUnmap(k: MmContext, vm: Kvm, pfn: number): void {
  k.highmem.kunmap(pfn);
  kvmReleasePfn(k, vm, pfn);
}
