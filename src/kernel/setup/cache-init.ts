/**
 * The cache-attribute part of `setup_arch()` (spec 02 §2, §5.1):
 * `mtrr_bp_init()` with PAT set up from it (6.1) or from `cache_bp_init()`
 * (since v6.2), `init_cache_modes()`, then the memtype state memtype.c works
 * on, over the System RAM resources setup_memory() made.
 */

import { PAT_RESET } from '../../hw/pat-msr.js';
import type { KernelHooks } from '../hooks.js';
import type { MachineSpec } from '../machine.js';
import type { SystemRam } from '../mm/system-ram.js';
import { mtrrStateOf } from '../mtrr/mtrr-init.js';
import { bootMemtype, type BootedMemtype } from '../pat/boot.js';
import { patBootInit } from '../pat/pat-init.js';
import type { Printk } from '../printk.js';
import type { CurrentTask } from '../task.js';
import type { KernelFlags } from '../version.js';

/** What PAT init decided for this machine (spec 02 §2). */
export interface PatDecision {
  patEnabled: boolean;
  /** The MSR the hardware decodes PTE bits with (the reset layout when the CPU has no PAT). */
  msr: bigint;
  /** The MSR value Linux's translation tables are built from. */
  tablesFrom: bigint;
  /** The boot lines, in the kernel's order (printed with the direct map's and the zones'). */
  messages: string[];
}

/**
 * `mtrr_bp_init()` / `pat_bp_init()` / `init_cache_modes()` for `m`
 * (patBootInit decides per kernel version), then `bootMemtype`: the memtype
 * state with the translation tables of the PAT Linux built them from.
 */
export function cacheInit(
  m: MachineSpec,
  flags: KernelFlags,
  systemRam: SystemRam,
  hooks: KernelHooks,
  ctx: CurrentTask,
  log: Printk,
): { pat: PatDecision; booted: BootedMemtype } {
  const r = patBootInit(m, flags);
  const pat: PatDecision = { patEnabled: r.patEnabled, msr: r.msrInEffect ?? PAT_RESET, tablesFrom: r.tablesFrom, messages: r.messages };
  const booted = bootMemtype(
    {
      patEnabled: pat.patEnabled,
      patMsr: pat.tablesFrom,
      debugpat: m.boot.debugpat,
      ram: systemRam,
      mtrr: mtrrStateOf(m),
      flags,
      is64bit: m.arch === 'x86-64',
      hooks,
      ctx,
    },
    log,
  );
  return { pat, booted };
}
