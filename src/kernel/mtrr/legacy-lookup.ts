/**
 * `mtrr_type_lookup(start, end, &uniform)` as it was before v6.5: the
 * per-lookup algorithm of arch/x86/kernel/cpu/mtrr/generic.c in Linux 6.1
 * (read at torvalds/linux 01c97c7303580682751b5aaae043b639bdcbacb3; unchanged
 * from v4.x until Juergen Gross's cache-map rework in v6.5). Spec 02 §5.3
 * (version note) and §4; docs/kernel-versions.md §2 has the pseudo-code this
 * file follows.
 *
 * Differences from the v6.5+ map walk in `cache-map.ts` that show here:
 * - no usable MTRRs gives `MTRR_TYPE_INVALID` (0xff), not UC;
 * - a range *starting* below 1 MiB (with fixed ranges enabled) gets the type of
 *   the fixed cell holding `start` alone, whatever the rest of the range is;
 * - the variable ranges are matched against the range's start only, and the
 *   range is cut at MTRR boundaries ("repeat") and the pieces merged;
 * - TOM2 forces WB only if the whole last piece lies in [4 GiB, tom2), and a
 *   UC conflict between pieces skips it, so a variable UC range can win over
 *   TOM2 (the map makes TOM2 a fixed entry that nothing overrides).
 *
 * The kernel works in u64. Inputs are JS numbers below 2^53 (the callers'
 * exclusive ends); the arithmetic here is done in BigInt so that the kernel's
 * `end--` wrap (end 0 gives 2^64 - 1) and the mask compares stay exact.
 */

import { MT, MTRR_TYPE_INVALID } from '../../hw/cache-mode.js';
import { NotModelledError } from '../not-modelled.js';
import { fixedCellIndex } from '../../hw/mtrr.js';
import type { MtrrState } from './cache-map.js';

const U64 = (1n << 64n) - 1n;
const ONE_MIB = 0x100000n;
const FOUR_GIB = 1n << 32n;

/** A valid variable range as the kernel sees it: PhysBase/PhysMask with the low 12 bits cleared. */
interface VarRange {
  base: bigint;
  mask: bigint;
  size: bigint;
  type: number;
}

/** What `mtrr_type_lookup_variable()` hands back through its return value and out-parameters. */
interface VarResult {
  type: number;
  partialEnd: bigint;
  repeat: boolean;
  uniform: boolean;
}

/**
 * `check_type_overlap(&prev, &curr)`: both are overwritten with the combined
 * type. Returns `uc: true` when that type is UC (the caller then stops).
 * Same combination rule as `mtrrTypeMerge` (spec 02 §5.2), but with the
 * "is it UC" signal the old code uses for its early exits.
 */
function checkTypeOverlap(prev: number, curr: number): { type: number; uc: boolean } {
  // UC on either side: UC wins outright (SDM precedence).
  if (prev === MT.UC || curr === MT.UC) return { type: MT.UC, uc: true };
  // {WB, WT}: the SDM defines the overlap as WT; both sides become WT.
  if ((prev === MT.WB && curr === MT.WT) || (prev === MT.WT && curr === MT.WB)) return { type: MT.WT, uc: false };
  // Any other mix is undefined by the SDM; Linux takes UC.
  if (prev !== curr) return { type: MT.UC, uc: true };
  // Equal types: unchanged.
  return { type: prev, uc: false };
}

export class LegacyMtrrLookup {
  /** Valid variable ranges in register order (the model's state lists only valid ones). */
  private readonly vars: readonly VarRange[];

  constructor(readonly state: MtrrState | null) {
    // The kernel's mask is the raw PhysMask (bits MAXPHYADDR-1..12) and
    // get_mtrr_size() turns it back into the size. The model's state carries
    // only base and size, so the mask here covers every address bit above the
    // size. That is the same comparison for every address below 2^MAXPHYADDR;
    // above it the hardware mask would alias, which the state cannot express.
    this.vars = (state?.variable ?? []).map((v) => {
      const size = BigInt(v.size);
      return { base: BigInt(v.base) & ~0xfffn, mask: ~(size - 1n) & U64 & ~0xfffn, size, type: v.type };
    });
  }

  /**
   * `mtrr_type_lookup(start, end, &uniform)` of Linux 6.1, for the exclusive
   * range `[start, end)`. Returns the MTRR type (or `MTRR_TYPE_INVALID`) and
   * the `uniform` flag: true only if a single variable range (or the default
   * type) covers the whole range.
   */
  typeLookup(start: number, end: number): { type: number; uniform: boolean } {
    let s = BigInt(start);
    // The kernel first makes `end` inclusive with end-- on a u64, so an
    // exclusive end of 0 wraps to 2^64 - 1.
    const endIncl = (BigInt(end) - 1n) & U64;
    const st = this.state;

    // mtrr_state_set == 0 (no MTRR CPU feature, nothing read at boot): the
    // kernel returns INVALID without writing *uniform. No caller of that era
    // reads it in this case: pat_x_mtrr_type() ignores uniform altogether, and
    // pud_set_huge()/pmd_set_huge() test `type != INVALID` before `!uniform`
    // (short-circuit), so INVALID never blocks a huge mapping (arch/x86/mm/
    // pgtable.c, pre-12f0dd8df142). `true` is what they effectively see: "no
    // MTRR restriction", and it matches v6.5's uniform = 1 for disabled MTRRs.
    if (st === null) return { type: MTRR_TYPE_INVALID, uniform: true };

    // MTRRdefType.E clear: the MTRRs are off, same INVALID return with
    // *uniform unwritten (see above for the value chosen).
    if (!st.enabled) return { type: MTRR_TYPE_INVALID, uniform: true };

    // A range starting below 1 MiB with fixed ranges present and enabled
    // (have_fixed && FE; the model's `fixedEnabled` stands for both): the
    // fixed cell holding `start` is the whole answer. Neither the rest of the
    // range (even past 1 MiB), the variable ranges nor TOM2 are looked at;
    // uniform is always 0 on this path.
    if (s < ONE_MIB && st.fixedEnabled) {
      return { type: st.fixed[fixedCellIndex(Number(s))!]!, uniform: false };
    }

    // Variable ranges (or the default type) for the piece starting at `s`.
    let r = this.lookupVariable(s, endIncl);
    let type = r.type;
    let uniform = r.uniform;

    // The range crossed an MTRR boundary: the answer so far covers only
    // [s, partialEnd). Look up the next piece (again up to the original
    // inclusive end) and combine; any piece boundary makes the result
    // non-uniform.
    while (r.repeat) {
      const prevType = type;
      s = r.partialEnd;
      uniform = false;
      r = this.lookupVariable(s, endIncl);
      const o = checkTypeOverlap(prevType, r.type);
      // A conflicting or UC piece: UC for the whole range, returned at once,
      // so the TOM2 rule below is skipped even inside [4 GiB, tom2).
      if (o.uc) return { type: MT.UC, uniform: false };
      // Otherwise the pieces agree, or WB and WT gave WT.
      type = o.type;
    }

    // AMD TOP_MEM2: memory in [4 GiB, tom2) is WB whatever the variable
    // ranges said (UC included), but only if the last piece looked up starts
    // at or above 4 GiB and the original end lies below tom2. `s` is the start
    // of that last piece, so a range starting below 4 GiB whose last piece
    // starts at 4 GiB qualifies too.
    const tom2 = BigInt(st.tom2);
    if (tom2 !== 0n && s >= FOUR_GIB && endIncl < tom2) type = MT.WB;

    return { type, uniform };
  }

  /**
   * `mtrr_type_lookup_variable(start, end, &partial_end, &repeat, &uniform)`
   * with `end` inclusive. Only `start` decides which ranges match; `end` only
   * detects a range boundary inside [start, end], which cuts the range.
   */
  private lookupVariable(start: bigint, endIncl: bigint): VarResult {
    let end = endIncl;
    let repeat = false;
    let uniform = true;
    let partialEnd = 0n;
    let prev = MTRR_TYPE_INVALID;

    for (const v of this.vars) {
      // (Invalid registers, V bit clear, are not in the model's list at all.)
      const baseM = v.base & v.mask;
      const startState = (start & v.mask) === baseM;
      const endState = (end & v.mask) === baseM;
      const inclusive = start < v.base && end > v.base;

      // Exactly one end lies in this range, or the range sits strictly inside
      // [start, end]: cut the lookup at the range's end (start inside) or at
      // its base (start outside). The cut narrows `end` for the registers
      // that follow, so the smallest cut wins.
      if (startState !== endState || inclusive) {
        partialEnd = startState ? v.base + v.size : v.base;
        // The kernel WARNs and steps one page on if the cut is not past
        // `start`. With start <= end this cannot happen (a cut at the base
        // needs the end inside and the start outside, below the base); it
        // needs start > end, i.e. an empty or inverted exclusive range, which
        // memtype_reserve() refuses before asking. The WARN splat cannot be
        // printed from here and the kernel may then step one page at a time
        // for a very long while, so this is not modelled.
        if (partialEnd <= start) {
          throw new NotModelledError(
            `mtrr_type_lookup() of Linux 6.1 on an empty or inverted range (start ${hex(start)} > inclusive end ${hex(endIncl)}): WARN_ON in mtrr_type_lookup_variable()`,
          );
        }
        end = partialEnd - 1n;
        repeat = true;
        uniform = false;
      }

      // The range does not contain `start`: it does not take part in the type.
      if (!startState) continue;

      // The first range containing `start`: its type, still uniform.
      if (prev === MTRR_TYPE_INVALID) {
        prev = v.type;
        continue;
      }

      // A second range containing `start`: an overlap, so not uniform; combine
      // the types, and stop at the first UC result (UC cannot change any
      // more). This exit leaves `repeat` as it is so far: boundaries of later
      // registers are not seen, and the caller's loop then ends in UC anyway,
      // or (repeat still 0) returns this UC subject only to TOM2.
      uniform = false;
      const o = checkTypeOverlap(prev, v.type);
      if (o.uc) return { type: o.type, partialEnd, repeat, uniform };
      prev = o.type;
    }

    // Some range contained `start`: the combined type; otherwise the default
    // type (which counts as uniform unless a cut happened).
    return { type: prev !== MTRR_TYPE_INVALID ? prev : this.state!.defType, partialEnd, repeat, uniform };
  }
}

function hex(v: bigint): string {
  return '0x' + v.toString(16);
}
