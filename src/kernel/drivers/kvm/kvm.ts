/**
 * A KVM virtual machine's view of host memory (virt/kvm/kvm_main.c; spec 05
 * §5): memslots mapping guest physical pages to a VMM process's user
 * addresses, and the pfns KVM currently holds for them.
 *
 * Refcounting of pfns from `VM_IO | VM_PFNMAP` VMAs (the TTM case) follows
 * the kernel version (spec 05 §5 "History"):
 * - `no-ref` (v6.13+ series, believed; mainline preset): never refcounted,
 *   pinning refused unless `allow_unsafe_mappings`; safety rests on MMU
 *   notifiers.
 * - `try-get` (2021 fix, CVE-2021-22543; 6.1/6.6/6.12 presets):
 *   `kvm_try_get_pfn` = `get_page_unless_zero` — a head page of a TTM block
 *   (refcount 1) gets a reference, a tail (refcount 0) is refused (-EFAULT).
 * - `get-page` (before mid-2021, opt-in): `get_page` on any valid,
 *   non-reserved pfn, tails included — the CVE.
 */

import { subsystemKey } from '../../subsystems.js';
import type { MmContext } from '../../mm/mm-context.js';
import { vmState } from '../../vm/mm.js';
import { holdOf, pageRefs, pruneHold } from '../page-refs.js';

export type KvmRefMode = 'no-ref' | 'try-get' | 'get-page';

export interface KvmMemslot {
  slot: number;
  /** First guest frame number. */
  baseGfn: number;
  npages: number;
  /** `userspace_addr`. */
  hva: number;
  /** The VMM process whose mm the hva belongs to. */
  pid: number;
}

/** A pfn KVM got from `hva_to_pfn` and has not released (or, without a reference, not seen invalidated). */
export interface KvmHeld {
  pfn: number;
  hva: number;
  pid: number;
  refcounted: boolean;
  /** Mapped into the kernel by `__kvm_vcpu_map` (until `kvm_vcpu_unmap`). */
  mapped?: boolean;
}

export class Kvm {
  readonly memslots: KvmMemslot[] = [];
  readonly held: KvmHeld[] = [];
  constructor(
    readonly refMode: KvmRefMode,
    /** Module parameter `allow_unsafe_mappings` (0444, default off; v6.13+). */
    readonly allowUnsafeMappings: boolean,
  ) {}

  /** `__gfn_to_memslot` + `__gfn_to_hva_memslot`: the slot and hva of a guest frame, or null. */
  gfnToHva(gfn: number): { slot: KvmMemslot; hva: number } | null {
    for (const s of this.memslots) if (gfn >= s.baseGfn && gfn < s.baseGfn + s.npages) return { slot: s, hva: s.hva + (gfn - s.baseGfn) * 4096 };
    return null;
  }
}

/** The VM starts with `kvm_create_vm` (it needs the refcount mode), never implicitly. */
const KVM = subsystemKey<Kvm>('kvm', () => {
  throw new Error('KVM: kvm_create_vm first');
});

/** The default refcount mode of a kernel version. */
export function kvmRefModeOf(k: MmContext): KvmRefMode {
  return k.flags.kvmPfnmapNoRef ? 'no-ref' : 'try-get';
}

/** `kvm_create_vm` (one VM per kernel in the model; created on first use). */
export function kvmOf(k: MmContext, opts: { legacyGetPage?: boolean; allowUnsafeMappings?: boolean } = {}): Kvm {
  let vm = k.subsystems.peek(KVM);
  if (!vm) {
    // load_module() → unknown_module_param_cb: a parameter the module does not have is ignored with a warning.
    if (opts.allowUnsafeMappings !== undefined && !k.flags.kvmPfnmapNoRef) k.log.emit('warn', "kvm: unknown parameter 'allow_unsafe_mappings' ignored");
    const allow = k.flags.kvmPfnmapNoRef && (opts.allowUnsafeMappings ?? false);
    vm = k.subsystems.set(KVM, new Kvm(opts.legacyGetPage ? 'get-page' : kvmRefModeOf(k), allow));
    // MMU-notifier protection, checked lazily: a no-reference pfn whose user PTE is gone was invalidated.
    pageRefs(k).stillMapped.set('kvm', kvmHoldStillMapped);
  }
  return vm;
}

/** `stillMapped` for KVM's holds: of the kernel asked about (never a captured one). */
function kvmHoldStillMapped(k: MmContext, pfn: number): boolean {
  return kvmStillMapped(k, k.subsystems.peek(KVM)!, pfn);
}

/** The VM if one exists. */
export function kvmIfAny(k: MmContext): Kvm | null {
  return k.subsystems.peek(KVM) ?? null;
}

/** Whether the user PTE an entry came from still maps its pfn. */
function entryLive(k: MmContext, e: KvmHeld): boolean {
  const mm = vmState(k).procs.get(e.pid);
  const vma = mm?.vmaLookup(e.hva);
  if (!vma) return false;
  const s = vma.slot(e.hva);
  return !vma.ptes.isNone(s) && vma.ptes.pfnAt(s) === e.pfn;
}

/**
 * `kvm_mmu_notifier_invalidate_range_start` as seen afterwards: no-reference
 * entries for `pfn` whose PTE is gone are dropped; true if one is still live.
 */
function kvmStillMapped(k: MmContext, vm: Kvm, pfn: number): boolean {
  let live = false;
  for (let i = vm.held.length - 1; i >= 0; i--) {
    const e = vm.held[i]!;
    if (e.pfn !== pfn || e.refcounted) continue;
    if (entryLive(k, e)) live = true;
    else {
      vm.held.splice(i, 1);
      holdOf(k, 'kvm', pfn).unref--;
      pruneHold(k, 'kvm', pfn);
    }
  }
  return live;
}

/**
 * `kvm_set_memory_region(kvm, {slot, guest_phys_addr, memory_size,
 * userspace_addr})` for the current process: addresses and size must be
 * page aligned (-EINVAL); a slot of size 0 deletes it. No VMA needs to exist
 * yet (the kernel checks only `access_ok`). Overlap checks are not modelled.
 */
export function kvmSetMemoryRegion(k: MmContext, slot: number, gpa: number, size: number, hva: number): number {
  if (gpa % 4096 || size % 4096 || hva % 4096) return -22;
  const vm = kvmOf(k);
  const i = vm.memslots.findIndex((s) => s.slot === slot);
  if (i >= 0) vm.memslots.splice(i, 1);
  if (size === 0) return 0;
  vm.memslots.push({ slot, baseGfn: gpa / 4096, npages: size / 4096, hva, pid: k.current.pid });
  return 0;
}
