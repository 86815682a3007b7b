/** Small helpers for the user-mapping tests: boot, a process, a driver VMA. */
import { CM, type CacheMode } from '../../../src/hw/cache-mode.js';
import { BASELINE_HOOKS, type KernelHooks } from '../../../src/kernel/hooks.js';
import { bootKernel, type Kernel } from '../../../src/kernel/kernel.js';
import type { MachineSpec } from '../../../src/kernel/machine.js';
import { doMmap } from '../../../src/kernel/vm/mmap.js';
import { processMm, type MmStruct } from '../../../src/kernel/vm/mm.js';
import type { Vma } from '../../../src/kernel/vm/vma.js';
import { selectPolicies } from '../../../src/policy/registry.js';
import { amd64_small } from '../mm/machines.js';

/** Boot today's kernel, or the kernel under a design (`--policies` syntax) with some hooks overridden. */
export function boot(design?: string, overrides: KernelHooks = {}, machine: MachineSpec = amd64_small()): Kernel {
  const hooks = design ? selectPolicies(design)[0]!.hooks : BASELINE_HOOKS;
  return bootKernel(machine, { ...hooks, ...overrides });
}

export function proc(k: Kernel, pid = 1, comm = 'test'): MmStruct {
  k.current = { comm, pid };
  return processMm(k, pid, comm);
}

export function vmaOf(k: Kernel, mm: MmStruct, pages: number, driverFlags = 0, mode: CacheMode = CM.WB, shared = true): Vma {
  const r = doMmap(k, mm, { len: pages * 4096, driverFlags, cacheMode: mode, shared });
  if (!r.vma) throw new Error(`mmap failed ${r.ret}`);
  return r.vma;
}

/** A 4 KiB-layout prot with `mode` on top of the VMA's. */
export function protWith(k: Kernel, vma: Vma, mode: CacheMode): number {
  return k.tables.pgprotSetCachemode(vma.pageProt, mode);
}

export function modeAt(k: Kernel, vma: Vma, addr: number): CacheMode | null {
  const s = vma.slot(addr);
  if (vma.ptes.isNone(s)) return null;
  return k.tables.pgprot2cachemode(vma.ptes.bitsAt(s) & 0x98);
}
