/**
 * Boot-time PAT decision for a machine, per kernel version (spec 02 §2,
 * §2.5; docs/kernel-versions.md §6-§7): whether `pat_enabled()`, which
 * IA32_PAT value the hardware uses, which value Linux's translation tables
 * are built from, and the exact boot lines, interleaved with the MTRR lines
 * the way the kernel prints them.
 *
 * Order of the lines: `nopat` is an early parameter, so its reason comes
 * first; then `mtrr_bp_init()`; then the PAT setup (from inside the MTRR
 * code on 6.1, from `cache_bp_init()` since v6.2).
 *
 * Not modelled: Xen PV, and the v6.15 errata-CPU bounds (VFM ranges start at
 * model 1; older kernels include model 0, which no real CPU has). The errata
 * test used is `isPatErrataCpu` (spec 02 §2.2 step 5).
 */

import {
  assertPatLayout,
  isPatErrataCpu,
  PAT_ERRATA,
  PAT_NORMAL,
  PAT_RESET,
  patConfigurationLine,
  patInit,
  type PatLayoutKind,
} from '../../hw/pat-msr.js';
import type { MachineSpec } from '../machine.js';
import { mtrrBpInit, type MtrrBootResult } from '../mtrr/mtrr-init.js';
import { kernelFlags, type KernelFlags } from '../version.js';

export interface PatBootResult {
  /** `pat_enabled()` after boot. */
  patEnabled: boolean;
  /** IA32_PAT as the hardware uses it afterwards; null when the CPU has no PAT. */
  msrInEffect: bigint | null;
  /** The PAT value Linux's cache-mode translation tables were built from (spec 02 §3.1). */
  tablesFrom: bigint;
  /** Linux wrote IA32_PAT (on every CPU). */
  writesMsr: boolean;
  layout: PatLayoutKind;
  /** PAT and MTRR boot lines in kernel order, exact text (the Configuration line keeps its trailing spaces). */
  messages: string[];
  /** What `mtrr_bp_init()` found (its lines are included in `messages`). */
  mtrr: MtrrBootResult;
}

const NOPAT = 'x86/PAT: PAT support disabled via boot option.';

/**
 * `early_init_intel()` (arch/x86/kernel/cpu/intel.c) clears X86_FEATURE_PAT on
 * Intel family 6 before model 15 (Pentium Pro ... Core Duo "Yonah", erratum
 * AN7: a WC page under a UC MTRR may become UC): the kernel then sees a CPU
 * without PAT and prints "PAT not supported by the CPU." (6.1: `x86_model <
 * 15`; v6.15+: VFM INTEL_PENTIUM_PRO..INTEL_CORE_YONAH, the same CPUs). The
 * hardware keeps its PAT MSR (the firmware's value). So spec 02 §2.2's
 * lower-four-entries layout is reached only by Pentium 4 (family 0xF).
 */
export function earlyInitIntelClearsPat(vendor: string, family: number, model: number): boolean {
  const v = vendor.toLowerCase();
  return (v === 'genuineintel' || v === 'intel') && family === 6 && model < 15;
}

/** X86_FEATURE_PAT as the kernel sees it after CPU identification. */
function kernelSeesPat(m: MachineSpec): boolean {
  return m.cpu.pat && !earlyInitIntelClearsPat(m.cpu.vendor, m.cpu.family, m.cpu.model);
}

/**
 * PAT and MTRR boot for `m` (spec 02 §2.2 / §2.5; kernel functions:
 * `nopat`, `mtrr_bp_init`, `pat_init`/`pat_bp_init`, `init_cache_modes`).
 * Throws `PatLayoutError` if the tables would be built from a value whose
 * slot 0 is not WB (the kernel BUGs; the machine loader refuses such files).
 */
export function patBootInit(m: MachineSpec, flags: KernelFlags = kernelFlags(m.kernel)): PatBootResult {
  return flags.patInitFromMtrr ? patBoot61(m, flags) : patBootMainline(m, flags);
}

/** v6.2+: `mtrr_bp_init()` then `pat_bp_init()`; MTRR state never disables PAT. */
function patBootMainline(m: MachineSpec, flags: KernelFlags): PatBootResult {
  const mtrr = mtrrBpInit(m, flags);
  const r = patInit({
    cpuHasPat: kernelSeesPat(m),
    msrAtBoot: m.firmwarePat,
    nopat: m.boot.nopat,
    configX86Pat: m.config.x86Pat,
    xenPv: false,
    vendor: m.cpu.vendor,
    family: m.cpu.family,
    model: m.cpu.model,
  });
  const pat = [...r.messages];
  const early = pat[0] === NOPAT ? pat.splice(0, 1) : [];
  return {
    patEnabled: r.enabled,
    // A CPU whose PAT the kernel ignores still decodes PTEs with its (firmware) MSR.
    msrInEffect: m.cpu.pat ? (r.msrInEffect ?? m.firmwarePat) : null,
    tablesFrom: r.tablesFrom,
    writesMsr: r.writesMsr,
    layout: r.layout,
    messages: [...early, ...mtrr.messages, ...pat],
    mtrr,
  };
}

/**
 * Linux 6.1 (docs/kernel-versions.md §6): `pat_init()` runs from
 * `mtrr_bp_init()` only when MTRRs are enabled; otherwise PAT is disabled
 * with "MTRRs disabled, skipping PAT initialization too." and
 * `init_cache_modes()` builds the tables from the firmware's MSR, reporting
 * PAT enabled under a hypervisor unless `nopat`/CONFIG_X86_PAT=n forced it off
 * (72cbc8f04fe2). "Disable with reason" prints only the first reason.
 */
function patBoot61(m: MachineSpec, flags: KernelFlags): PatBootResult {
  const messages: string[] = [];
  let disabled = !m.config.x86Pat;
  const forceDisabled = m.boot.nopat || !m.config.x86Pat;
  const disable = (reason: string): void => {
    if (disabled) return;
    disabled = true;
    messages.push(`x86/PAT: ${reason}`);
  };
  if (m.boot.nopat) disable('PAT support disabled via boot option.');

  let bpEnabled = false;
  let tables: bigint | null = null;
  let written: bigint | null = null;
  let layout: PatLayoutKind = 'firmware';

  const mtrr = mtrrBpInit(m, flags);
  if (mtrr.enabled) {
    // pat_init() on the boot CPU, inside the MTRR cache-disable sequence.
    if (!m.config.x86Pat) messages.push('x86/PAT: PAT support disabled because CONFIG_X86_PAT is disabled in the kernel.');
    if (!disabled) {
      const errata = isPatErrataCpu(m.cpu.vendor, m.cpu.family, m.cpu.model);
      const chosen = errata ? PAT_ERRATA : PAT_NORMAL;
      // pat_bp_init(pat)
      if (!kernelSeesPat(m)) disable('PAT not supported by the CPU.');
      else if (m.firmwarePat === 0n) disable('PAT support disabled by the firmware.');
      else {
        written = chosen;
        bpEnabled = true;
        tables = chosen;
        layout = errata ? 'errata' : 'normal';
        messages.push(patConfigurationLine(chosen));
      }
    }
  }
  messages.push(...mtrr.messages);
  if (!mtrr.enabled) disable('MTRRs disabled, skipping PAT initialization too.');

  if (tables === null) {
    // init_cache_modes(): the MSR as it is now (the firmware's), 0 = no PAT.
    let pat = kernelSeesPat(m) ? m.firmwarePat : 0n;
    if (pat === 0n) {
      pat = PAT_RESET;
      layout = 'emulated';
    } else if (!forceDisabled && m.cpu.hypervisor === true) {
      bpEnabled = true;
    }
    assertPatLayout(pat);
    tables = pat;
    messages.push(patConfigurationLine(pat));
  }
  return {
    patEnabled: bpEnabled,
    msrInEffect: m.cpu.pat ? (written ?? m.firmwarePat) : null,
    tablesFrom: tables,
    writesMsr: written !== null,
    layout,
    messages,
    mtrr,
  };
}
