/**
 * The IA32_PAT MSR (spec 01 §2) and Linux's boot-time PAT setup (`pat_bp_init`, spec 02 §2).
 *
 * The MSR value is a `bigint` because it is a full 64-bit register and JS numbers lose bits
 * above 2^53.
 */

import { MT, type MemType, memTypeShort } from './cache-mode.js';

/** Linux's layout on normal CPUs: WB WC UC- UC WB WP UC- WT (spec 02 §2.2 step 5, §2.3). */
export const PAT_NORMAL = 0x0407050600070106n;
/** Linux's layout on errata CPUs: WB WC UC- UC WB WC UC- UC (spec 02 §2.2 step 5, §2.3). */
export const PAT_ERRATA = 0x0007010600070106n;
/** Power-up value, and the layout Linux emulates when PAT is unusable (spec 01 §2, 02 §2.2 step 3). */
export const PAT_RESET = 0x0007040600070406n;
/** Alias of {@link PAT_RESET}: the tables Linux builds when the firmware left the MSR at 0. */
export const PAT_EMULATED = PAT_RESET;

const U64_MAX = (1n << 64n) - 1n;

function checkMsr(msr: bigint): void {
  if (typeof msr !== 'bigint' || msr < 0n || msr > U64_MAX) {
    throw new RangeError(`PAT MSR value out of 64-bit range: ${String(msr)}`);
  }
}

/** One decoded PAT field. */
export interface PatEntry {
  /** Memory type as Linux uses it (reserved encodings 2 and 3 become WB). */
  readonly type: MemType;
  /** The raw low 3 bits of the byte (0..7). */
  readonly raw: number;
  /** True when `raw` is a reserved encoding (2 or 3) that was treated as WB. */
  readonly reserved: boolean;
}

/** The whole MSR decoded. */
export interface PatDecoded {
  readonly msr: bigint;
  /** PA0..PA7. */
  readonly entries: readonly PatEntry[];
  /** PA0..PA7 memory types (convenience view of `entries[i].type`). */
  readonly types: readonly MemType[];
  /** True if any entry held a reserved encoding. */
  readonly hasReserved: boolean;
}

/**
 * Decode PA`index` of `msr`: only the low 3 bits of each byte count; the reserved
 * encodings 2 and 3 are decoded as WB, as Linux's `pat_get_cache_mode()` does
 * (SDM §11.12.2 Table 11-10; spec 01 §1, §7 `patType`; spec 02 §2.4). On real hardware a
 * reserved encoding cannot be present (WRMSR would #GP), so it is flagged.
 */
export function patEntry(msr: bigint, index: number): PatEntry {
  checkMsr(msr);
  if (!Number.isInteger(index) || index < 0 || index > 7) throw new RangeError(`PAT index ${index} not in 0..7`);
  const raw = Number((msr >> BigInt(8 * index)) & 7n);
  const reserved = raw === 2 || raw === 3;
  return { type: reserved ? MT.WB : (raw as MemType), raw, reserved };
}

/** Memory type of PAT entry `index` (spec 01 §7 `patType`); see {@link patEntry}. */
export function patType(msr: bigint, index: number): MemType {
  return patEntry(msr, index).type;
}

/** Decode all eight PAT fields (SDM §11.12.2; spec 01 §2, 02 §2.4). */
export function decodePat(msr: bigint): PatDecoded {
  const entries = [0, 1, 2, 3, 4, 5, 6, 7].map((i) => patEntry(msr, i));
  return {
    msr,
    entries,
    types: entries.map((e) => e.type),
    hasReserved: entries.some((e) => e.reserved),
  };
}

/** Build an MSR value from eight memory types PA0..PA7 (Linux's `PAT_VALUE` macro). */
export function encodePat(types: readonly MemType[]): bigint {
  if (types.length !== 8) throw new RangeError(`PAT needs 8 entries, got ${types.length}`);
  let v = 0n;
  for (let i = 7; i >= 0; i--) v = (v << 8n) | BigInt(types[i]!);
  return v;
}

/** Format a PAT MSR value as Linux prints 64-bit hex: `0x` + 16 digits. */
export function formatPatMsr(msr: bigint): string {
  checkMsr(msr);
  return '0x' + msr.toString(16).padStart(16, '0');
}

/**
 * The configuration line printed once per boot by `init_cache_modes()` (spec 02 §2.4):
 * `x86/PAT: Configuration [0-7]: ` + eight 4-character cells (so it ends with padding).
 */
export function patConfigurationLine(msr: bigint): string {
  const cells = decodePat(msr).types.map((t) => memTypeShort(t).padEnd(4, ' '));
  return 'x86/PAT: Configuration [0-7]: ' + cells.join('');
}

/**
 * Thrown when PA0 does not decode to WB: `update_cache_mode_entry()` BUGs on that because
 * Linux hard-wires "no cache bits = WB" (spec 02 §3.1). The model rejects such a machine.
 */
export class PatLayoutError extends Error {
  override readonly name = 'PatLayoutError';
  constructor(
    readonly msr: bigint,
    readonly slot0: MemType,
  ) {
    super(`PAT entry 0 must be WB, got ${memTypeShort(slot0)} in ${formatPatMsr(msr)} (kernel BUG in update_cache_mode_entry)`);
  }
}

/** `null` if `msr` is a layout Linux can build tables from, else the error (spec 02 §3.1). */
export function checkPatLayout(msr: bigint): PatLayoutError | null {
  const t0 = patType(msr, 0);
  return t0 === MT.WB ? null : new PatLayoutError(msr, t0);
}

/** Throwing form of {@link checkPatLayout}. */
export function assertPatLayout(msr: bigint): void {
  const e = checkPatLayout(msr);
  if (e) throw e;
}

/** Inputs of PAT initialisation (spec 02 §2.1). */
export interface PatInitInput {
  /** CPUID says the CPU has a PAT (X86_FEATURE_PAT). */
  readonly cpuHasPat: boolean;
  /** IA32_PAT as the firmware left it (normally {@link PAT_RESET}); ignored without PAT. */
  readonly msrAtBoot: bigint;
  /** `nopat` on the kernel command line. */
  readonly nopat: boolean;
  /** `CONFIG_X86_PAT` built in. */
  readonly configX86Pat: boolean;
  /** Running as a Xen PV guest (X86_FEATURE_XENPV). */
  readonly xenPv: boolean;
  /** CPU vendor: `intel`/`GenuineIntel` (case-insensitive) count as Intel; anything else does not. */
  readonly vendor: string;
  readonly family: number;
  readonly model: number;
}

/** Which layout the tables were built from. */
export type PatLayoutKind = 'normal' | 'errata' | 'firmware' | 'emulated' | 'xen';

/** Result of PAT initialisation (spec 02 §2.3). */
export interface PatInitResult {
  /** `pat_enabled()`. */
  readonly enabled: boolean;
  /** The IA32_PAT value the hardware uses afterwards; `null` when the CPU has no PAT. */
  readonly msrInEffect: bigint | null;
  /** The value the translation tables (§3) are built from. */
  readonly tablesFrom: bigint;
  /** True when Linux programs the MSR on every CPU (step 6). */
  readonly writesMsr: boolean;
  readonly layout: PatLayoutKind;
  /** Kernel log lines in order; all are `pr_info` level. */
  readonly messages: readonly string[];
}

function isIntel(vendor: string): boolean {
  const v = vendor.toLowerCase();
  return v === 'intel' || v === 'genuineintel';
}

/**
 * CPUs that only get the lower four PAT entries (spec 02 §2.2 step 5): Intel family 6 with
 * model <= 0x0D (Pentium Pro ... Pentium M "Dothan") or family 0xF with model <= 6
 * (Willamette ... Cedar Mill). This is the older kernels' test; the 2025 code states the
 * set as VFM ranges whose exact lower model bounds are unconfirmed, so models below the
 * first affected one are treated as affected here too.
 */
export function isPatErrataCpu(vendor: string, family: number, model: number): boolean {
  return isIntel(vendor) && ((family === 0x6 && model <= 0x0d) || (family === 0xf && model <= 0x6));
}

/**
 * Boot-CPU PAT setup: the `nopat` early parameter and `pat_disable()`, then `pat_bp_init()`
 * (arch/x86/mm/pat/memtype.c; spec 02 §2.2, table §2.3). "Disable with reason" prints
 * only when PAT is not already disabled, so at most one reason appears. Throws
 * {@link PatLayoutError} if the tables would be built from a layout whose PA0 is not WB.
 */
export function patInit(input: PatInitInput): PatInitResult {
  const messages: string[] = [];
  // CONFIG_X86_PAT=n starts disabled silently, which also swallows `nopat`'s message.
  let disabled = !input.configX86Pat;
  const disable = (reason: string): void => {
    if (disabled) return;
    disabled = true;
    messages.push(`x86/PAT: ${reason}`);
  };

  if (input.nopat) disable('PAT support disabled via boot option.');
  if (!input.configX86Pat) {
    messages.push('x86/PAT: PAT support disabled because CONFIG_X86_PAT is disabled in the kernel.');
  }

  let value = 0n;
  if (!input.cpuHasPat) disable('PAT not supported by the CPU.');
  else {
    checkMsr(input.msrAtBoot);
    value = input.msrAtBoot;
  }
  const msrHw: bigint | null = input.cpuHasPat ? value : null;

  let layout: PatLayoutKind;
  if (value === 0n) {
    disable('PAT support disabled by the firmware.');
    value = PAT_EMULATED;
    layout = 'emulated';
  } else {
    layout = 'firmware';
  }

  if (disabled || input.xenPv) {
    // Step 4: tables from the value found; the MSR is left alone.
    if (!disabled) layout = 'xen';
    assertPatLayout(value);
    messages.push(patConfigurationLine(value));
    return { enabled: !disabled, msrInEffect: msrHw, tablesFrom: value, writesMsr: false, layout, messages };
  }

  const errata = isPatErrataCpu(input.vendor, input.family, input.model);
  const chosen = errata ? PAT_ERRATA : PAT_NORMAL;
  messages.push(patConfigurationLine(chosen));
  return {
    enabled: true,
    msrInEffect: chosen,
    tablesFrom: chosen,
    writesMsr: true,
    layout: errata ? 'errata' : 'normal',
    messages,
  };
}
