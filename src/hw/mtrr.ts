/**
 * MTRR register state and the hardware precedence rule (SDM §11.11; spec 01 §3).
 *
 * Physical addresses, bases and masks are JS numbers below 2^53 (MAXPHYADDR is at most 52
 * on x86). JS bitwise operators are 32-bit, so 64-bit-wide ANDs are done on the high and
 * low 32-bit halves separately ({@link and53}).
 */

import { MT, type MtrrType } from './cache-mode.js';

/** Number of fixed-range cells (11 MSRs x 8 bytes; spec 01 §3.1). */
export const MTRR_NUM_FIXED_RANGES = 88;
/** Fixed ranges cover exactly the first MiB. */
export const MTRR_FIXED_END = 0x100000;

/** A variable-range MTRR pair (IA32_MTRR_PHYSBASEn / PHYSMASKn; spec 01 §3.1). */
export interface VariableMtrr {
  /** PhysBase: physical base address (bits 11:0 are ignored). */
  readonly base: number;
  /** PhysMask as an address mask (bits 11:0 and bits >= physAddrBits are ignored). */
  readonly mask: number;
  readonly type: MtrrType;
  /** The V bit (PHYSMASK bit 11). */
  readonly valid: boolean;
}

/** The MTRR registers of one CPU (spec 01 §3.1). */
export interface MtrrState {
  /** IA32_MTRR_DEF_TYPE.E (bit 11). */
  readonly enabled: boolean;
  /** IA32_MTRR_DEF_TYPE.FE (bit 10). */
  readonly fixedEnabled: boolean;
  /** IA32_MTRR_DEF_TYPE.Type (bits 7:0). */
  readonly defType: MtrrType;
  /**
   * The 88 fixed-range types in Linux's flat order (see {@link fixedCellRange}). May be
   * empty when the CPU has no fixed ranges, but then `fixedEnabled` must be false.
   */
  readonly fixed: readonly MtrrType[];
  /** Variable ranges in register order. */
  readonly variable: readonly VariableMtrr[];
  /** MAXPHYADDR (CPUID 0x80000008 EAX[7:0]), 32..52. */
  readonly physAddrBits: number;
}

const TWO32 = 0x1_0000_0000;

/** Bitwise AND of two non-negative integers < 2^53, exact. */
export function and53(a: number, b: number): number {
  const hi = (Math.floor(a / TWO32) & Math.floor(b / TWO32)) >>> 0;
  const lo = ((a >>> 0) & (b >>> 0)) >>> 0;
  return hi * TWO32 + lo;
}

function checkPhysBits(bits: number): void {
  if (!Number.isInteger(bits) || bits < 32 || bits > 52) throw new RangeError(`physAddrBits ${bits} not in 32..52`);
}

/** Bits [physAddrBits-1 : 12] set: the part of an address PhysBase/PhysMask can hold. */
export function physPageMask(physAddrBits: number): number {
  checkPhysBits(physAddrBits);
  return 2 ** physAddrBits - 0x1000;
}

/**
 * Mask for a range of `size` bytes (power of two >= 4 KiB): ~(size-1) truncated to
 * MAXPHYADDR (SDM §11.11.4; spec 01 §3.1).
 */
export function maskForSize(size: number, physAddrBits: number): number {
  if (!Number.isInteger(size) || size < 0x1000 || Math.log2(size) % 1 !== 0) {
    throw new RangeError(`MTRR size must be a power of two >= 4 KiB: ${size}`);
  }
  const full = 2 ** physAddrBits;
  if (size > full) throw new RangeError(`MTRR size ${size} exceeds 2^${physAddrBits}`);
  return full - size;
}

/**
 * Size of a variable range as Linux computes it: two's complement of the mask with every bit
 * >= MAXPHYADDR (and bits 11:0) set (spec 01 §3.1). Exact only for contiguous masks;
 * non-contiguous masks are not modelled.
 */
export function sizeFromMask(mask: number, physAddrBits: number): number {
  const m = and53(mask, physPageMask(physAddrBits));
  return 2 ** physAddrBits - m;
}

/** Convenience constructor for a valid, size-aligned variable range (SDM §11.11.4). */
export function variableRange(base: number, size: number, type: MtrrType, physAddrBits: number): VariableMtrr {
  const mask = maskForSize(size, physAddrBits);
  if (base % size !== 0) throw new RangeError(`MTRR base 0x${base.toString(16)} not aligned to size 0x${size.toString(16)}`);
  return { base, mask, type, valid: true };
}

/**
 * Whether variable range `v` covers `physAddr`: (A AND PhysMask) = (PhysBase AND PhysMask)
 * with V set (SDM §11.11.2.3; spec 01 §3.1).
 */
export function variableRangeMatches(v: VariableMtrr, physAddr: number, physAddrBits: number): boolean {
  if (!v.valid) return false;
  const m = and53(v.mask, physPageMask(physAddrBits));
  return and53(physAddr, m) === and53(v.base, m);
}

/**
 * Flat fixed-range index (Linux order: 0-7 64 KiB from 0, 8-23 16 KiB from 0x80000,
 * 24-87 4 KiB from 0xC0000) covering `addr`, or undefined at or above 1 MiB
 * (SDM §11.11.2.2; spec 01 §3.1).
 */
export function fixedCellIndex(addr: number): number | undefined {
  if (!Number.isInteger(addr) || addr < 0) throw new RangeError(`bad physical address ${addr}`);
  if (addr < 0x80000) return Math.floor(addr / 0x10000);
  if (addr < 0xc0000) return 8 + Math.floor((addr - 0x80000) / 0x4000);
  if (addr < MTRR_FIXED_END) return 24 + Math.floor((addr - 0xc0000) / 0x1000);
  return undefined;
}

/** Half-open physical range `[start, end)` of fixed cell `i` (inverse of {@link fixedCellIndex}). */
export function fixedCellRange(i: number): { start: number; end: number } {
  if (!Number.isInteger(i) || i < 0 || i >= MTRR_NUM_FIXED_RANGES) throw new RangeError(`fixed cell ${i} not in 0..87`);
  if (i < 8) return { start: i * 0x10000, end: (i + 1) * 0x10000 };
  if (i < 24) return { start: 0x80000 + (i - 8) * 0x4000, end: 0x80000 + (i - 7) * 0x4000 };
  return { start: 0xc0000 + (i - 24) * 0x1000, end: 0xc0000 + (i - 23) * 0x1000 };
}

/**
 * The fixed-range cells grouped into runs of equal type, in address order:
 * how Linux walks them both to build its cache map and to print them.
 */
export function fixedRuns(fixed: readonly number[]): { start: number; end: number; type: number }[] {
  const out: { start: number; end: number; type: number }[] = [];
  let runStart = 0;
  for (let i = 1; i <= MTRR_NUM_FIXED_RANGES; i++) {
    if (i < MTRR_NUM_FIXED_RANGES && fixed[i] === fixed[runStart]) continue;
    out.push({ start: fixedCellRange(runStart).start, end: fixedCellRange(i - 1).end, type: fixed[runStart]! });
    runStart = i;
  }
  return out;
}

/**
 * The MSR and byte holding fixed cell `i` (spec 01 §3.1: 0x250 for the 64 KiB cells,
 * 0x258/0x259 for 16 KiB, 0x268..0x26F for 4 KiB; lowest byte = lowest address).
 */
export function fixedCellMsr(i: number): { msr: number; byte: number } {
  fixedCellRange(i); // range check
  if (i < 8) return { msr: 0x250, byte: i };
  if (i < 24) return { msr: 0x258 + Math.floor((i - 8) / 8), byte: (i - 8) % 8 };
  return { msr: 0x268 + Math.floor((i - 24) / 8), byte: (i - 24) % 8 };
}

/** Where the hardware took a type from. */
export type MtrrTypeSource = 'disabled' | 'fixed' | 'variable' | 'default';

export interface MtrrLookup {
  readonly type: MtrrType;
  /**
   * Two or more variable ranges matched with a combination the SDM leaves undefined (not all
   * equal, no UC, not exactly {WT, WB}). `type` is then UC — Linux's resolution; what real
   * hardware does is unconfirmed (spec 01 §3.2).
   */
  readonly undefinedOverlap: boolean;
  readonly source: MtrrTypeSource;
  /** Indices of the valid variable ranges that matched (empty unless `source` is 'variable'). */
  readonly matched: readonly number[];
}

/**
 * Hardware MTRR precedence for one physical address (SDM §11.11.4.1; spec 01 §3.2):
 * E=0 -> UC; below 1 MiB with FE=1 -> fixed cell; else variable ranges (one match -> its
 * type; all equal -> that; any UC -> UC; exactly WT+WB -> WT; other -> undefined, reported
 * as UC with `undefinedOverlap`); no match -> default type. This is the per-address hardware
 * rule, not Linux's range lookup (spec 02 §5).
 */
export function mtrrTypeAt(state: MtrrState, physAddr: number): MtrrLookup {
  checkPhysBits(state.physAddrBits);
  if (!Number.isSafeInteger(physAddr) || physAddr < 0 || physAddr >= 2 ** state.physAddrBits) {
    throw new RangeError(`physical address ${physAddr} outside 0..2^${state.physAddrBits}-1`);
  }
  if (!state.enabled) return { type: MT.UC, undefinedOverlap: false, source: 'disabled', matched: [] };
  if (state.fixedEnabled && physAddr < MTRR_FIXED_END) {
    if (state.fixed.length !== MTRR_NUM_FIXED_RANGES) {
      throw new RangeError(`FE set but ${state.fixed.length} fixed ranges given (need 88)`);
    }
    return { type: state.fixed[fixedCellIndex(physAddr)!]!, undefinedOverlap: false, source: 'fixed', matched: [] };
  }
  const matched: number[] = [];
  const types = new Set<MtrrType>();
  state.variable.forEach((v, i) => {
    if (variableRangeMatches(v, physAddr, state.physAddrBits)) {
      matched.push(i);
      types.add(v.type);
    }
  });
  if (matched.length === 0) return { type: state.defType, undefinedOverlap: false, source: 'default', matched };
  const res = (type: MtrrType, undefinedOverlap = false): MtrrLookup => ({
    type,
    undefinedOverlap,
    source: 'variable',
    matched,
  });
  if (types.size === 1) return res([...types][0]!);
  if (types.has(MT.UC)) return res(MT.UC);
  if (types.size === 2 && types.has(MT.WT) && types.has(MT.WB)) return res(MT.WT);
  return res(MT.UC, true);
}

/** Decoded IA32_MTRR_DEF_TYPE (MSR 0x2FF; spec 01 §3.1). */
export function decodeMtrrDefType(value: bigint): { type: number; fixedEnabled: boolean; enabled: boolean } {
  return {
    type: Number(value & 0xffn),
    fixedEnabled: ((value >> 10n) & 1n) === 1n,
    enabled: ((value >> 11n) & 1n) === 1n,
  };
}

/**
 * Decode a PHYSBASEn/PHYSMASKn MSR pair (spec 01 §3.1): type = base bits 7:0, V = mask bit
 * 11, address fields = bits MAXPHYADDR-1:12. The type is returned raw (a reserved value
 * would have #GP'd on real hardware; callers validate).
 */
export function decodeVariableMtrr(
  physBase: bigint,
  physMask: bigint,
  physAddrBits: number,
): { base: number; mask: number; type: number; valid: boolean } {
  checkPhysBits(physAddrBits);
  const addrMask = (1n << BigInt(physAddrBits)) - 0x1000n;
  return {
    base: Number(physBase & addrMask),
    mask: Number(physMask & addrMask),
    type: Number(physBase & 0xffn),
    valid: ((physMask >> 11n) & 1n) === 1n,
  };
}

/** True for the encodings valid in an MTRR (UC, WC, WT, WP, WB; spec 01 §1). */
export function isMtrrType(t: number): t is MtrrType {
  return t === MT.UC || t === MT.WC || t === MT.WT || t === MT.WP || t === MT.WB;
}
