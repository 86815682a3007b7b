/**
 * `vma->vm_ops->fault` for driver files: the vm layer's Vma carries no
 * vm_ops, so drivers register their fault handler per file here, and code
 * that must run "the VMA's fault handler" (`fixup_user_fault` from KVM's
 * `hva_to_pfn_remapped`, spec 05 §5) finds it by `vma->vm_file`.
 */

import type { MmContext } from '../mm/mm-context.js';
import { VM_FAULT_SIGBUS, type VmFault } from '../vm/fault.js';
import type { MmStruct } from '../vm/mm.js';
import type { VmFile } from '../vm/vma.js';

export type FaultHandler = (k: MmContext, mm: MmStruct, addr: number, write: boolean) => VmFault;

/** A driver's `vm_ops->fault`, kept on its file (VmFile.fault). */
export function registerFaultHandler(file: VmFile, fn: FaultHandler): void {
  file.fault = fn;
}

/** `handle_mm_fault` for a driver VMA: its file's handler, SIGBUS when it has none. */
export function driverFault(k: MmContext, mm: MmStruct, file: VmFile | null, addr: number, write: boolean): VmFault {
  const fn = file?.fault;
  return fn ? fn(k, mm, addr, write) : VM_FAULT_SIGBUS;
}
