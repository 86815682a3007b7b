/**
 * What the CPU does with a mapping: the PAT entry its PTE bits select under
 * the PAT MSR in effect, combined with the MTRR type of the address by the
 * hardware rule (spec 01 §3.2, §4; spec/07 (b) 3: the hardware rule, not
 * Linux's cache map; a CPU without PAT decodes PCD/PWT with the power-on
 * layout).
 */

import { MT, type MemType, type MtrrType } from '../hw/cache-mode.js';
import { effectiveType, type EffectiveMemType } from '../hw/effective.js';
import { mtrrTypeAt, variableRange, type MtrrState } from '../hw/mtrr.js';
import { PAT_RESET, patType } from '../hw/pat-msr.js';
import { patIndex } from '../hw/pte.js';
import type { MachineSpec } from '../kernel/machine.js';

export interface Effective {
  /** The PAT entry's memory type. */
  pat: MemType;
  /** The MTRR type of the page (hardware rule). */
  mtrr: MtrrType;
  effective: EffectiveMemType;
  /** Where a UC result comes from (SDM table notes 1, 2). */
  ucSource: 'mtrr' | 'pat' | null;
  /** The MTRRs overlap in a way the SDM leaves undefined at this address. */
  mtrrUndefined: boolean;
}

/** Evaluates effective types on one machine, caching the MTRR type per page. */
export class EffectiveTypes {
  private readonly hw: MtrrState | null;
  private readonly cache = new Map<number, { type: MtrrType; undef: boolean }>();
  /** PAT type per PAT index 0..7, and the MTRR code per pfn, for the allocation-free {@link code}. */
  private readonly patByIndex: MemType[];
  private readonly mtrrCode = new Map<number, number>();

  constructor(
    readonly machine: MachineSpec,
    /** The PAT MSR in effect (what the hardware decodes PTE bits with). */
    readonly patMsr: bigint,
  ) {
    const m = machine.mtrr;
    this.hw =
      m && machine.cpu.mtrr
        ? {
            enabled: m.enabled,
            fixedEnabled: m.fixedEnabled,
            defType: m.defType as MtrrType,
            fixed: m.fixed as MtrrType[],
            variable: m.variable.map((v) => variableRange(v.base, v.size, v.type as MtrrType, machine.cpu.physAddrBits)),
            physAddrBits: machine.cpu.physAddrBits,
          }
        : null;
    this.patByIndex = Array.from({ length: 8 }, (_, i) => (machine.cpu.pat ? patType(patMsr, i) : patType(PAT_RESET, i & 3)));
    // Above 1 MiB (no fixed ranges) the MTRR type only changes at variable-range edges:
    // when every range is 2 MiB aligned and sized, one lookup per 2 MiB block serves its pages.
    this.blockCache = m !== null && m.variable.every((v) => v.base % 0x200000 === 0 && v.size % 0x200000 === 0);
  }

  /** Whether MTRR types are cached per 2 MiB block above 1 MiB (else per page). */
  private readonly blockCache: boolean;

  /**
   * The end of the stretch of pfns from `pfn` on that share its MTRR type by
   * construction (its 2 MiB block, the page alone below 1 MiB or with
   * unaligned ranges, everything without MTRRs): checks walk these
   * stretches, not pages.
   */
  mtrrStretchEnd(pfn: number): number {
    if (!this.hw) return Infinity;
    return this.blockCache && pfn >= 256 ? (Math.floor(pfn / 512) + 1) * 512 : pfn + 1;
  }

  /** Cache key of a pfn's MTRR type: the pfn, or (negative) its 2 MiB block. */
  private key(pfn: number): number {
    return this.blockCache && pfn >= 256 ? -1 - Math.floor(pfn / 512) : pfn;
  }

  /**
   * The effective type as a small number (bits 0-2: the memory type's index
   * in UC, WC, -, -, WT, WP, WB order; bit 3: UC coming from the PAT), without
   * allocating: the alias check calls this once per page and mapping.
   */
  code(pfn: number, bits4k: number): number {
    const key = this.key(pfn);
    let m = this.mtrrCode.get(key);
    if (m === undefined) {
      m = this.mtrrOf(pfn).type;
      this.mtrrCode.set(key, m);
    }
    const idx = ((bits4k >> 7) & 1) * 4 + ((bits4k >> 4) & 1) * 2 + ((bits4k >> 3) & 1);
    let row = this.codeTable[m];
    if (!row) {
      // One row per MTRR type: the effective code for each PAT index.
      row = this.patByIndex.map((pat) => {
        const e = effectiveType(m as MtrrType, pat);
        return e.type | (e.ucSource === 'pat' ? 8 : 0);
      });
      this.codeTable[m] = row;
    }
    return row[idx]!;
  }

  private readonly codeTable: number[][] = [];

  /** The MTRR type of a page; without MTRRs the hardware treats memory as UC (E = 0). */
  mtrrOf(pfn: number): { type: MtrrType; undef: boolean } {
    const key = this.key(pfn);
    let r = this.cache.get(key);
    if (!r) {
      if (!this.hw) r = { type: MT.UC, undef: false };
      else {
        const h = mtrrTypeAt(this.hw, pfn * 4096);
        r = { type: h.type, undef: h.undefinedOverlap };
      }
      this.cache.set(key, r);
    }
    return r;
  }

  /** The PAT type selected by 4 KiB-layout cache bits. */
  patOf(bits4k: number): MemType {
    if (!this.machine.cpu.pat) return patType(PAT_RESET, patIndex(bits4k, '4k') & 3);
    return patType(this.patMsr, patIndex(bits4k, '4k'));
  }

  of(pfn: number, bits4k: number): Effective {
    const m = this.mtrrOf(pfn);
    const pat = this.patOf(bits4k);
    const e = effectiveType(m.type, pat);
    return { pat, mtrr: m.type, effective: e.type, ucSource: e.ucSource, mtrrUndefined: m.undef };
  }
}
