/**
 * Effective memory type from the MTRR type and the PAT entry type (SDM Vol. 3A §11.5.2.2
 * Table 11-7; spec 01 §4). Valid for CR0.CD = 0, CR0.NW = 0.
 */

import { MT, type MemType, type MtrrType } from './cache-mode.js';
import { isMtrrType } from './mtrr.js';

/** A type an access can end up with: never UC- (UC- only exists as a PAT entry). */
export type EffectiveMemType = Exclude<MemType, 7>;

/** Result of {@link effectiveType}. */
export interface EffectiveType {
  readonly type: EffectiveMemType;
  /**
   * For a UC result: `'mtrr'` when the UC comes from the MTRRs (table note 1: no snoop needed,
   * the data can never have been cached) or `'pat'` when it comes from the page tables
   * (note 2: caches must be snooped because aliasing may have cached the data). `null` for
   * non-UC results.
   */
  readonly ucSource: 'mtrr' | 'pat' | null;
  /** Table note 3: older SDM editions called this combination undefined. */
  readonly formerlyUndefined: boolean;
}

type Cell = readonly [EffectiveMemType, 'mtrr' | 'pat' | null, boolean];
const { UC, WC, WT, WP, WB } = MT;
const M = 'mtrr' as const;
const P = 'pat' as const;

/** Rows: MTRR type; columns: PAT type. Transcribed from spec 01 §4. */
const TABLE: Readonly<Record<MtrrType, Readonly<Record<MemType, Cell>>>> = {
  [UC]: { [UC]: [UC, M, false], [MT.UC_MINUS]: [UC, M, false], [WC]: [WC, null, false], [WT]: [UC, M, false], [WB]: [UC, M, false], [WP]: [UC, M, false] },
  [WC]: { [UC]: [UC, P, false], [MT.UC_MINUS]: [WC, null, false], [WC]: [WC, null, false], [WT]: [UC, P, true], [WB]: [WC, null, false], [WP]: [UC, P, true] },
  [WT]: { [UC]: [UC, P, false], [MT.UC_MINUS]: [UC, P, false], [WC]: [WC, null, false], [WT]: [WT, null, false], [WB]: [WT, null, false], [WP]: [WP, null, true] },
  [WB]: { [UC]: [UC, P, false], [MT.UC_MINUS]: [UC, P, false], [WC]: [WC, null, false], [WT]: [WT, null, false], [WB]: [WB, null, false], [WP]: [WP, null, false] },
  [WP]: { [UC]: [UC, P, false], [MT.UC_MINUS]: [WC, null, true], [WC]: [WC, null, false], [WT]: [WT, null, true], [WB]: [WP, null, false], [WP]: [WP, null, false] },
};

/**
 * Effective page-level memory type for an access whose MTRR type is `mtrrType` and whose
 * selected PAT entry is `patType` (SDM §11.5.2.2 Table 11-7; spec 01 §4). Notable: PAT WC
 * wins over every MTRR type; PAT WB yields the MTRR type; UC- differs from UC only under
 * MTRR WC/WP (-> WC). Follows the SDM where Linux's pat.rst says MTRR WC + PAT UC- is UC.
 */
export function effectiveType(mtrrType: MtrrType, patType: MemType): EffectiveType {
  if (!isMtrrType(mtrrType)) throw new RangeError(`not an MTRR type: ${mtrrType}`);
  const cell = TABLE[mtrrType][patType];
  if (!cell) throw new RangeError(`not a PAT memory type: ${patType}`);
  const [type, ucSource, formerlyUndefined] = cell;
  return { type, ucSource, formerlyUndefined };
}
