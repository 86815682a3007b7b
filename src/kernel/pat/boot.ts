/**
 * Boot of the memtype subsystem for a machine: PAT on or off, the System RAM
 * resources, the MTRR state and the kernel version (spec 02 §2, §5.1).
 * Produces the objects memtype.c works with.
 */

import { PAT_NORMAL, PAT_RESET } from '../../hw/pat-msr.js';
import { CacheModeTables } from '../../hw/pte.js';
import { LinuxMtrr, type MtrrState } from '../mtrr/cache-map.js';
import { LegacyMtrrLookup } from '../mtrr/legacy-lookup.js';
import { PageMemtypes } from '../mm/page-memtype.js';
import { SystemRam, type RamResource } from '../mm/system-ram.js';
import type { Printk } from '../printk.js';
import type { KernelFlags } from '../version.js';
import { BASELINE_HOOKS, type KernelHooks } from '../hooks.js';
import { Memtype, type MtrrTypeLookup } from './memtype.js';
import { idleTask, type CurrentTask } from '../task.js';

export interface MemtypeMachine {
  patEnabled: boolean;
  /** The PAT MSR whose layout the translation tables follow. */
  patMsr?: bigint;
  debugpat: boolean;
  /** System RAM: the kernel's own resources (built once, at e820 time), or the ranges of a memtype trace. */
  ram: readonly RamResource[] | SystemRam;
  mtrr: MtrrState | null;
  flags: KernelFlags;
  /** 64-bit kernel (sanitize_phys masks to 52 bits) or 32-bit (identity). */
  is64bit?: boolean;
  /** The design under test (default: today's kernel). */
  hooks?: KernelHooks;
  /** Where `current` lives: the kernel; a memtype trace passes its own (default: the idle task's). */
  ctx?: CurrentTask;
}

export interface BootedMemtype {
  memtype: Memtype;
  tables: CacheModeTables;
  mtrr: LinuxMtrr;
  mtrrLookup: MtrrTypeLookup;
}

/**
 * The most pfns whose page flags live in one typed array (256 GiB of RAM);
 * pfns above it use sparse runs, so a trailing-hole loop never allocates.
 */
const MAX_MEMMAP_PFNS = 1 << 26;

export function bootMemtype(m: MemtypeMachine, log: Printk): BootedMemtype {
  const ram = m.ram instanceof SystemRam ? m.ram : new SystemRam(m.ram);
  const pages = new PageMemtypes(Math.min(ram.maxPfn(), MAX_MEMMAP_PFNS));
  const mtrr = new LinuxMtrr(m.mtrr);
  const mtrrLookup: MtrrTypeLookup = m.flags.mtrrLegacyLookup ? new LegacyMtrrLookup(m.mtrr) : mtrr;
  // With PAT disabled Linux keeps the firmware's (here: the power-on) layout.
  const msr = m.patMsr ?? (m.patEnabled ? PAT_NORMAL : PAT_RESET);
  const tables = CacheModeTables.fromMsr(msr);
  const memtype = new Memtype(
    {
      patEnabled: m.patEnabled,
      debugpat: m.debugpat,
      physMask: m.is64bit === false ? null : (1n << 52n) - 1n,
      flags: m.flags,
      hooks: m.hooks ?? BASELINE_HOOKS,
    },
    ram,
    pages,
    mtrrLookup,
    log,
    m.ctx ?? { current: idleTask() },
  );
  return { memtype, tables, mtrr, mtrrLookup };
}
