/**
 * The user-mapping API (spec 04) for other kernel code — TTM's fault path,
 * KVM's `hva_to_pfn` — in one import. Every function takes the booted
 * kernel (`MmContext`) first, as kernel code reaches its globals.
 *
 * Typical driver use:
 * ```ts
 * const mm = currentMm(k);                       // or processMm(k, pid, comm)
 * const { vma } = doMmap(k, mm, { len, driverFlags: VM_PFNMAP | VM_IO | VM_DONTEXPAND | VM_DONTDUMP, file });
 * const fault = vmfInsertPfnProt(k, vma!, addr, pfn, prot);   // VM_FAULT_NOPAGE
 * unmapMappingRange(k, file, 0, 0);              // BO moved: zap every user PTE
 * ```
 * A prot is a 4 KiB-layout PTE value: `k.tables.pgprotSetCachemode(vma.pageProt, CM.WC)`.
 */

export * from './flags.js';
export * from './fault.js';
export { Vma, type VmFile, type PfnmapTrackCtx } from './vma.js';
export { MmStruct, vmState, processMm, currentMm } from './mm.js';
export { doMmap, type MmapRequest, type MmapResult } from './mmap.js';
export { doMunmap, exitMmap, splitVma } from './lifecycle.js';
export { doFork } from './fork.js';
export { doMremap, doMprotect } from './mremap.js';
export { remapPfnRange, ioRemapPfnRange, vmIomapMemory } from './remap.js';
export { vmfInsertPfnProt, vmfInsertPfn, vmfInsertPfnProtMkwrite, vmfInsertMixed, vmfInsertMixedMkwrite, vmfInsertPfnHuge, insertPfn } from './insert-pfn.js';
export { vmInsertPage, vmInsertPages, vmMapPages, vmfInsertPageMkwrite } from './insert-page.js';
export { applyToPageRange, type ApplyFn, type PteSlot } from './apply.js';
export { getUserPages, gupPutPage, unpinUserPage, followPfnmap, GUP_PIN_COUNTING_BIAS } from './gup.js';
export { unmapMappingRange } from './unmap-mapping.js';
export { devmemMmap, devmemIsAllowed } from './devmem.js';
export { pciMmapResource } from './pci-sysfs.js';
export { userMappings, userPageInfo, userProcesses, type UserMappingRun, type UserPageInfo } from './inventory.js';
export { LV_4K, LV_2M, LV_1G } from './user-ptes.js';
