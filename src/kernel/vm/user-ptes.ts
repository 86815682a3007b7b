/**
 * A VMA's user page-table entries, one slot per 4 KiB page, in typed arrays
 * (DESIGN.md: per-page state is typed arrays). VMAs never overlap, so
 * keeping the slots per VMA is equivalent to the process's page tables.
 *
 * A large leaf (2 MiB PMD, 1 GiB PUD) fills all its slots with the same level,
 * bits and step and consecutive pfns. Bits are always kept in the 4 KiB layout
 * (PAT at bit 7); a large leaf's own layout is derived when needed.
 */

/** Slot level codes. */
export const LV_NONE = 0;
export const LV_4K = 1;
export const LV_2M = 2;
export const LV_1G = 3;
export type SlotLevel = typeof LV_NONE | typeof LV_4K | typeof LV_2M | typeof LV_1G;

/** Pages per leaf of a level code. */
export function leafPages(level: number): number {
  return level === LV_2M ? 512 : level === LV_1G ? 262144 : 1;
}

export function levelName(level: number): '4k' | '2m' | '1g' {
  return level === LV_2M ? '2m' : level === LV_1G ? '1g' : '4k';
}

export class UserPtes {
  /** pfn per slot (pfns may exceed 2^32: a double holds them exactly). */
  readonly pfn: Float64Array;
  /** 4 KiB-layout PTE bits per slot (present, rw, cache bits, special...). */
  readonly bits: Uint16Array;
  /** LV_* per slot; LV_NONE = empty (`pte_none`). */
  readonly level: Uint8Array;
  /** Scenario step that installed the entry. */
  readonly step: Int32Array;

  constructor(readonly n: number) {
    this.pfn = new Float64Array(n);
    this.bits = new Uint16Array(n);
    this.level = new Uint8Array(n);
    this.step = new Int32Array(n);
  }

  /** A copy of slots `[from, to)` (VMA split, mremap). */
  slice(from: number, to: number): UserPtes {
    const out = new UserPtes(to - from);
    out.pfn.set(this.pfn.subarray(from, to));
    out.bits.set(this.bits.subarray(from, to));
    out.level.set(this.level.subarray(from, to));
    out.step.set(this.step.subarray(from, to));
    return out;
  }

  /** This table grown (or shrunk) to `n` slots, new slots empty. */
  resized(n: number): UserPtes {
    const out = new UserPtes(n);
    const m = Math.min(n, this.n);
    out.pfn.set(this.pfn.subarray(0, m));
    out.bits.set(this.bits.subarray(0, m));
    out.level.set(this.level.subarray(0, m));
    out.step.set(this.step.subarray(0, m));
    return out;
  }

  isNone(i: number): boolean {
    return this.level[i] === LV_NONE;
  }

  set(i: number, pfn: number, bits: number, level: number, step: number): void {
    this.pfn[i] = pfn;
    this.bits[i] = bits;
    this.level[i] = level;
    this.step[i] = step;
  }

  clear(i: number): void {
    this.pfn[i] = 0;
    this.bits[i] = 0;
    this.level[i] = LV_NONE;
    this.step[i] = 0;
  }

  /** First slot of the leaf holding slot `i` (slots are aligned to the leaf relative to `baseSlot`, the VMA's first page index in the address space). */
  leafStart(i: number, baseSlot: number): number {
    const lp = leafPages(this.level[i]!);
    if (lp === 1) return i;
    return Math.floor((i + baseSlot) / lp) * lp - baseSlot;
  }

  /** Number of present slots. */
  count(): number {
    let c = 0;
    for (let i = 0; i < this.n; i++) if (this.level[i] !== LV_NONE) c++;
    return c;
  }
}
