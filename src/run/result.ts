/**
 * What running a scenario under a design produces, and what comparing
 * designs produces: the result types every renderer reads.
 */

import type { AliasRun } from '../check/aliases.js';
import type { Costs } from '../check/costs.js';
import type { DebugWarn } from '../check/debug-warns.js';
import type { Downgrade } from '../check/downgrades.js';
import type { Hazard } from '../check/hazards.js';

export type MappingKindOut = 'user' | 'direct' | 'kmap' | 'vmap' | 'ioremap';

export interface ReportedMapping {
  name: string;
  kind: MappingKindOut;
  pfn: number;
  requested: string;
  installed: string;
  effective: string;
}

/** One mapping of a flagged pfn, for the report's lanes. */
export interface Lane {
  kind: string;
  owner: string;
  installed: string;
  effective: string;
  /** Step that created it, when known. */
  step: number | null;
}

/** What the report draws: steps with their messages, and the final memtype state. */
export interface PolicyDetail {
  steps: { index: number; call: string; args: Record<string, string>; ret: string | null; messages: string[] }[];
  /** Memtype tree entries at the end (start, end exclusive, type). */
  tree: { start: number; end: number; type: string }[];
  /** RAM page-flag runs other than WB at the end (pfns). */
  pageMemtype: { start: number; end: number; type: string }[];
  /** For up to 16 flagged pfns (conflicting aliases first): every mapping of the pfn. */
  lanes: { pfn: number; severity: string; mappings: Lane[] }[];
}

export interface PolicyResult {
  policy: string;
  outcome: 'ok' | 'fatal' | 'skipped' | 'not-applicable' | 'not-modelled';
  /** Why a run was skipped or not applicable, or the fatal outcome. */
  reason?: string;
  fatal?: { step: number; what: string; text: string; where: string };
  mappings: ReportedMapping[];
  aliases: AliasRun[];
  downgrades: Downgrade[];
  hazards: Hazard[];
  warns: DebugWarn[];
  /** Steps whose call failed (negative return, NULL, a fault other than NOPAGE, a KVM pfn error). */
  errors?: { step: number; call: string; what: string }[];
  costs: Costs;
  detail?: PolicyDetail;
}

export interface ScenarioComparison {
  name: string;
  description?: string;
  machine: string;
  kernel: string;
  /** RAM ranges of the machine (pfns), for the memory strip. */
  ram: { start: number; end: number }[];
  /** One past the highest RAM pfn. */
  maxPfn: number;
  policies: PolicyResult[];
}
