/**
 * What running a scenario under a design produces, and what comparing
 * designs produces: the result types every renderer reads. Every count is
 * defined in docs/checks.md.
 */

import type { AliasRange } from '../check/aliases.js';
import type { ModeChange } from '../check/changes.js';
import type { Costs } from '../check/costs.js';
import type { DebugWarn } from '../check/debug-warns.js';
import type { Hazard } from '../check/hazards.js';
import type { LifeKind } from '../check/timeline.js';

export type MappingKindOut = LifeKind | 'none';

/** A mapping the scenario's `report:` names, with the mode it had while it lived. */
export interface ReportedMapping {
  name: string;
  kind: MappingKindOut;
  pfn: number;
  requested: string;
  installed: string;
  effective: string;
  /** Pages the handle covers (a mapping's size, a page handle's count). */
  npages: number;
  /** Steps it lived: created, and removed (null: still mapped at the end). */
  from: number | null;
  to: number | null;
}

/** One interval of a lane: the mapping's bits from step `from` on. */
export interface LaneSegment {
  from: number;
  installed: string;
  effective: string;
}

/** One mapping of a group of flagged pfns, for the report's lanes. */
export interface Lane {
  /** MappingLife id in the run's timeline. */
  life: number;
  kind: string;
  owner: string;
  /** Step that created it (0 = boot) and the step it was gone (null: still there at the end). */
  created: number;
  removed: number | null;
  segments: LaneSegment[];
  properties?: string[];
}

/** A group of consecutive pfns that share a history, with every mapping of it. */
export interface LaneGroup {
  pfn: number;
  npages: number;
  /** Why it is flagged: `alias high`, `alias medium`, `changed`, `hazard`. */
  flag: string;
  mappings: Lane[];
}

/** What the report draws: steps with their messages, the final memtype state and the lanes. */
export interface PolicyDetail {
  steps: { index: number; call: string; args: Record<string, string>; ret: string | null; messages: string[] }[];
  /** Memtype tree entries at the end (start, end exclusive, type). */
  tree: { start: number; end: number; type: string }[];
  /** RAM page-flag runs other than WB at the end (pfns). */
  pageMemtype: { start: number; end: number; type: string }[];
  /** Up to 16 groups of flagged pfns (aliases first, then changes, then hazards). */
  lanes: LaneGroup[];
}

/** The run's bottom figures (docs/checks.md): distinct pfns, never a pfn twice. */
export interface Totals {
  aliased_pages: number;
  aliased_pages_high: number;
  changed_pages: number;
  /** Changed to a more cacheable mode than asked (the correctness risk). */
  changed_pages_weaker: number;
  hazard_pages: number;
  failed_calls: number;
  fatal: boolean;
}

/** A step whose call failed, with the kernel's reason where the model knows it. */
export interface FailedCall {
  step: number;
  call: string;
  what: string;
  reason?: string;
}

export interface PolicyResult {
  policy: string;
  outcome: 'ok' | 'fatal' | 'skipped' | 'not-applicable' | 'not-modelled';
  /** Why a run was skipped or not applicable, or the fatal outcome. */
  reason?: string;
  fatal?: { step: number; what: string; text: string; where: string };
  totals: Totals;
  mappings: ReportedMapping[];
  aliases: AliasRange[];
  changes: ModeChange[];
  hazards: Hazard[];
  warns: DebugWarn[];
  /** Steps whose call failed (negative return, NULL, a fault other than NOPAGE, a KVM pfn error). */
  errors: FailedCall[];
  costs: Costs;
  detail?: PolicyDetail;
}

export interface ScenarioComparison {
  name: string;
  description?: string;
  machine: string;
  kernel: string;
  /** Scenario roles (`roles:`): which reported mapping answers the summary's request column, and whether its costs are the scale columns. */
  roles?: { request?: string; scale?: true };
  /** RAM ranges of the machine (pfns), for the memory strip. */
  ram: { start: number; end: number }[];
  /** One past the highest RAM pfn. */
  maxPfn: number;
  policies: PolicyResult[];
}
