/**
 * `vm_fault_t` codes (include/linux/mm_types.h; spec 04 §0). Bit values as
 * the spec gives them (unconfirmed against the newest header).
 */

export const VM_FAULT_OOM = 0x1;
export const VM_FAULT_SIGBUS = 0x2;
export const VM_FAULT_SIGSEGV = 0x40;
export const VM_FAULT_NOPAGE = 0x100;
export const VM_FAULT_FALLBACK = 0x800;

export type VmFault = number;

const NAMES: Record<number, string> = {
  [VM_FAULT_OOM]: 'VM_FAULT_OOM',
  [VM_FAULT_SIGBUS]: 'VM_FAULT_SIGBUS',
  [VM_FAULT_SIGSEGV]: 'VM_FAULT_SIGSEGV',
  [VM_FAULT_NOPAGE]: 'VM_FAULT_NOPAGE',
  [VM_FAULT_FALLBACK]: 'VM_FAULT_FALLBACK',
};

/** The symbolic name of a `vm_fault_t` value, e.g. `VM_FAULT_NOPAGE`. */
export function vmFaultName(v: VmFault): string {
  return NAMES[v] ?? `0x${v.toString(16)}`;
}

/** `vmf_error(err)`: -ENOMEM → OOM, anything else → SIGBUS. */
export function vmfError(err: number): VmFault {
  return err === -12 ? VM_FAULT_OOM : VM_FAULT_SIGBUS;
}
