/**
 * The `mtrr:` block: the MTRR registers as firmware left them (spec 01 §3.1,
 * 02 §5.1). Checks what the hardware would refuse (WRMSR #GP on a bad type)
 * or what the model cannot represent (non-power-of-two masks).
 */

import { MT } from '../../hw/cache-mode.js';
import { fixedCellIndex, fixedCellRange, MTRR_FIXED_END, MTRR_NUM_FIXED_RANGES } from '../../hw/mtrr.js';
import type { MtrrSpec, MtrrVarSpec } from '../../kernel/machine.js';
import { type BuildContext, list, type Raw } from './build-context.js';
import { hex } from '../../hw/hex.js';
import { humanPath, pointerJoin } from './yaml-located.js';

const TYPE_CODE: Record<string, number> = { UC: MT.UC, WC: MT.WC, WT: MT.WT, WP: MT.WP, WB: MT.WB };

export function mtrrTypeCode(name: string): number {
  return TYPE_CODE[name.toUpperCase()]!;
}

/** Defaults: VCNT 8 (what Intel and AMD CPUs report), default type WB, TOM2 absent. */
export const MTRR_DEFAULT_VCNT = 8;

/** `TOP_MEM2 & 0xffffff800000` keeps bits 47..23: TOM2 is 8 MiB granular (spec 02 §5.1). */
const TOM2_ALIGN = 0x800000;

/** The 88 fixed cells: one type for all, or overrides on cells that start UC (the MSRs' reset value). */
function buildFixed(c: BuildContext, m: Raw): number[] {
  const v = m['fixed'];
  if (typeof v === 'string') return new Array<number>(MTRR_NUM_FIXED_RANGES).fill(mtrrTypeCode(v));
  const cells = new Array<number>(MTRR_NUM_FIXED_RANGES).fill(MT.UC);
  // Which entry set each cell: a cell is one register field with one type, so two entries for it are a mistake, not "the last wins".
  const owner = new Array<number>(MTRR_NUM_FIXED_RANGES).fill(-1);
  const claim = (i: number, n: number, ptr: string): void => {
    if (owner[i]! >= 0) {
      const r = fixedCellRange(i);
      c.fail(pointerJoin(ptr, 'at'), `${humanPath(ptr)}: the fixed-range cell [${hex(r.start)}, ${hex(r.end)}) is already given by mtrr.fixed[${owner[i]}]: expected each cell in at most one entry`);
    }
    owner[i] = n;
  };
  list(m, 'fixed').forEach((o, n) => {
    const ptr = pointerJoin('/mtrr/fixed', n);
    const at = c.num(o, 'at', ptr);
    const size = c.optNum(o, 'size', ptr);
    if (at >= MTRR_FIXED_END) c.fail(pointerJoin(ptr, 'at'), `${humanPath(ptr)}: at ${hex(at)} is not below 1 MiB: fixed MTRRs cover [0, 0x100000)`);
    const t = mtrrTypeCode(o['type'] as string);
    if (size === undefined) {
      claim(fixedCellIndex(at)!, n, ptr);
      cells[fixedCellIndex(at)!] = t;
      return;
    }
    const end = at + size;
    const first = fixedCellIndex(at)!;
    if (fixedCellRange(first).start !== at) {
      c.fail(pointerJoin(ptr, 'at'), `${humanPath(ptr)}: at ${hex(at)} is not on a fixed-range cell boundary (cell starts at ${hex(fixedCellRange(first).start)})`);
    }
    if (size === 0 || end > MTRR_FIXED_END) c.fail(pointerJoin(ptr, 'size'), `${humanPath(ptr)}: expected 0 < at + size <= 0x100000`);
    let i = first;
    while (i < MTRR_NUM_FIXED_RANGES && fixedCellRange(i).end <= end) {
      claim(i, n, ptr);
      cells[i++] = t;
    }
    if (i < MTRR_NUM_FIXED_RANGES && fixedCellRange(i).start < end) {
      c.fail(pointerJoin(ptr, 'size'), `${humanPath(ptr)}: end ${hex(end)} is not on a fixed-range cell boundary`);
    }
  });
  return cells;
}

function buildVariable(c: BuildContext, m: Raw, bits: number, vcnt: number): MtrrVarSpec[] {
  const items = list(m, 'variable');
  if (items.length > vcnt) {
    c.fail(pointerJoin('/mtrr/variable', vcnt), `mtrr.variable: ${items.length} ranges but the CPU has only ${vcnt} variable MTRRs (vcnt)`);
  }
  return items.map((o, i) => {
    const ptr = pointerJoin('/mtrr/variable', i);
    const base = c.num(o, 'base', ptr);
    const size = c.num(o, 'size', ptr);
    if (size < 0x1000 || !Number.isInteger(Math.log2(size))) {
      c.fail(pointerJoin(ptr, 'size'), `${humanPath(ptr)}: size ${hex(size)} is not a power of two >= 4 KiB (a PhysMask of contiguous ones)`);
    }
    if (base % size !== 0) c.fail(pointerJoin(ptr, 'base'), `${humanPath(ptr)}: base ${hex(base)} is not aligned to its size ${hex(size)}`);
    if (base + size > 2 ** bits) {
      c.fail(pointerJoin(ptr, 'base'), `${humanPath(ptr)}: [${hex(base)}, ${hex(base + size)}) ends above 2^${bits} (phys_addr_bits)`);
    }
    return { base, size, type: mtrrTypeCode(o['type'] as string) };
  });
}

/**
 * The `mtrr:` block as {@link MtrrSpec}. Defaults: enabled, fixed ranges
 * enabled iff `fixed` is given, fixed cells UC, default type WB, VCNT 8,
 * no TOM2. TOM2 needs an AMD (or Hygon) CPU and lies above 4 GiB.
 */
export function buildMtrr(c: BuildContext, m: Raw, bits: number, vendor: string): MtrrSpec {
  const vcnt = c.optNum(m, 'vcnt', '/mtrr') ?? MTRR_DEFAULT_VCNT;
  if (vcnt > 255) c.fail('/mtrr/vcnt', `mtrr.vcnt: ${vcnt} is above 255 (MTRRcap.VCNT is 8 bits)`);
  const tom2 = c.optNum(m, 'tom2', '/mtrr') ?? 0;
  if (tom2 !== 0) {
    if (!/^(AuthenticAMD|HygonGenuine)$/.test(vendor)) c.fail('/mtrr/tom2', `mtrr.tom2: TOP_MEM2 is an AMD register, but cpu.vendor is '${vendor}'`);
    if (tom2 % TOM2_ALIGN !== 0) c.fail('/mtrr/tom2', `mtrr.tom2: ${hex(tom2)} is not a multiple of 8 MiB (TOP_MEM2 holds bits 47:23)`);
    if (tom2 <= 2 ** 32) c.fail('/mtrr/tom2', `mtrr.tom2: ${hex(tom2)} is not above 4 GiB`);
    if (tom2 > 2 ** bits) c.fail('/mtrr/tom2', `mtrr.tom2: ${hex(tom2)} is above 2^${bits} (phys_addr_bits)`);
  }
  return {
    enabled: (m['enabled'] as boolean | undefined) ?? true,
    fixedEnabled: (m['fixed_enabled'] as boolean | undefined) ?? m['fixed'] !== undefined,
    defType: m['default'] === undefined ? MT.WB : mtrrTypeCode(m['default'] as string),
    fixed: buildFixed(c, m),
    variable: buildVariable(c, m, bits, vcnt),
    vcnt,
    tom2,
  };
}
