/**
 * The verdict of a comparison (docs/checks.md §6): one row per design over
 * every scenario run, and a bottom line computed from those rows — never
 * written by hand. Sums over scenarios add each scenario's distinct pfns
 * (scenarios run on separate machines, so their pfns are not comparable).
 */

import { countPages } from '../check/timeline.js';
import type { PolicyResult, ScenarioComparison } from './result.js';

export interface VerdictRow {
  policy: string;
  /** Scenarios it ran (ok or fatal) and those it could not (skipped, not applicable, not modelled). */
  ran: number;
  notRun: number;
  /**
   * Scenarios where a successful call mapped a page with another mode than
   * asked (weaker: more cacheable), leaving out the changes every design
   * that ran the scenario makes alike (the kernel's own, see `commonChanges`).
   */
  changedIn: string[];
  weakerIn: string[];
  aliasedPages: number;
  aliasedPagesHigh: number;
  changedPages: number;
  changedPagesWeaker: number;
  /** Weaker changes of this design's own (not made alike by every design). */
  ownWeakerPages: number;
  hazardPages: number;
  failedCalls: number;
  fatal: number;
  /** The first failure's kernel reason, with its scenario and step. */
  firstFailure: string | null;
  /** Costs summed over the scenarios: tree entries at peak, CPA calls, TLB flushes, pages clflushed, refcount+mapcount ops. */
  treeEntries: number;
  cpaCalls: number;
  tlbFlushes: number;
  clflushPages: number;
  refOps: number;
  /** Debug-kernel WARNs the run printed (the checks some designs add). */
  debugWarns: number;
}

export type Standing = 'holds' | 'holds-with-debug-checks' | 'fails';

export interface BottomLine {
  /** Designs that keep every page's mappings agreeing, install what was asked, harm no page and fail no call. */
  holds: string[];
  /** Designs that hold only because their debug-kernel checks WARNed where the design alone would have let it pass. */
  needDebugChecks: string[];
  /** Designs that fail, each with why (the first of: aliases, weaker modes, hazards, failed calls, fatal). */
  fails: { policy: string; why: string }[];
  /** The cheapest designs that hold (by CPA calls, then flushes, then tree entries, then refcount ops; several when tied). */
  cheapest: string[];
  /** Their costs: CPA calls, TLB flushes, pages clflushed, tree entries, refcount ops. */
  cheapestCost: { cpaCalls: number; tlbFlushes: number; clflushPages: number; treeEntries: number; refOps: number } | null;
  /** Today's kernel's standing, when baseline ran. */
  baseline: Standing | null;
}

function cost(p: PolicyResult, key: string): number {
  return p.costs[key] ?? 0;
}

const changeKey = (c: PolicyResult['changes'][number]): string => `${c.step}|${c.call}|${c.pfn}|${c.npages}|${c.requested}|${c.installed}`;

/** Per scenario, the mode changes every design that ran it made alike: the kernel's behaviour, not a design's. */
export function commonChanges(s: ScenarioComparison): PolicyResult['changes'] {
  const ran = s.policies.filter((p) => p.outcome === 'ok' || p.outcome === 'fatal');
  if (ran.length < 2) return [];
  // No change is common when a design that ran made none (the usual case): then no keys are built for another's 10^5 per-page changes.
  if (ran.some((p) => p.changes.length === 0)) return [];
  const sets = ran.map((p) => new Set(p.changes.map(changeKey)));
  return ran[0]!.changes.filter((c) => sets.every((x) => x.has(changeKey(c))));
}

export function verdictRows(results: readonly ScenarioComparison[]): VerdictRow[] {
  const names = results[0]?.policies.map((p) => p.policy) ?? [];
  const common = results.map((s) => new Set(commonChanges(s).map(changeKey)));
  return names.map((policy, i) => {
    const row: VerdictRow = {
      policy,
      ran: 0,
      notRun: 0,
      changedIn: [],
      weakerIn: [],
      aliasedPages: 0,
      aliasedPagesHigh: 0,
      changedPages: 0,
      changedPagesWeaker: 0,
      ownWeakerPages: 0,
      hazardPages: 0,
      failedCalls: 0,
      fatal: 0,
      firstFailure: null,
      treeEntries: 0,
      cpaCalls: 0,
      tlbFlushes: 0,
      clflushPages: 0,
      refOps: 0,
      debugWarns: 0,
    };
    results.forEach((s, si) => {
      const p = s.policies[i]!;
      if (p.outcome !== 'ok' && p.outcome !== 'fatal') {
        row.notRun++;
        return;
      }
      row.ran++;
      const t = p.totals;
      row.aliasedPages += t.aliased_pages;
      row.aliasedPagesHigh += t.aliased_pages_high;
      row.changedPages += t.changed_pages;
      row.changedPagesWeaker += t.changed_pages_weaker;
      const own = common[si]!.size ? p.changes.filter((c) => !common[si]!.has(changeKey(c))) : p.changes;
      if (own.length) row.changedIn.push(s.name);
      if (own.some((c) => c.class === 'weaker')) row.weakerIn.push(s.name);
      row.ownWeakerPages += countPages(own.filter((c) => c.class === 'weaker').map((c) => [c.pfn, c.npages]));
      row.hazardPages += t.hazard_pages;
      row.failedCalls += t.failed_calls;
      if (t.fatal) row.fatal++;
      if (row.firstFailure === null) {
        if (p.fatal) row.firstFailure = `${s.name} step ${p.fatal.step}: ${p.fatal.what} in ${p.fatal.where}`;
        else if (p.errors.length) {
          const e = p.errors[0]!;
          row.firstFailure = `${s.name} step ${e.step}: ${e.call} ${e.what}${e.reason ? ` (${e.reason})` : ''}`;
        }
      }
      row.treeEntries += cost(p, 'treeEntriesPeak');
      row.cpaCalls += cost(p, 'cpaCalls');
      row.tlbFlushes += cost(p, 'tlbFlushAll') + cost(p, 'tlbFlushRounds');
      row.clflushPages += cost(p, 'clflushPages');
      row.refOps += cost(p, 'refcountOps') + cost(p, 'mapcountOps');
      row.debugWarns += p.warns.length;
    });
    return row;
  });
}

/** Why a row fails (every reason, most serious first), or null when it holds. */
export function failureOf(r: VerdictRow): string | null {
  if (r.ran === 0) return 'ran no scenario';
  const why: string[] = [];
  if (r.aliasedPagesHigh) why.push(`${r.aliasedPagesHigh} page(s) mapped cacheable and uncached at once`);
  if (r.ownWeakerPages) why.push(`${r.ownWeakerPages} page(s) silently mapped more cacheable than asked (${r.weakerIn.join(', ')})`);
  if (r.hazardPages) why.push(`${r.hazardPages} hazard page(s)`);
  if (r.fatal) why.push(`${r.fatal} fatal outcome(s)`);
  if (r.failedCalls) why.push(`${r.failedCalls} failed call(s), first: ${r.firstFailure}`);
  if (r.aliasedPages > r.aliasedPagesHigh) why.push(`${r.aliasedPages - r.aliasedPagesHigh} page(s) with medium-severity aliases`);
  return why.length ? why.join('; ') : null;
}

function standing(r: VerdictRow): Standing {
  if (failureOf(r) !== null) return 'fails';
  return r.debugWarns > 0 ? 'holds-with-debug-checks' : 'holds';
}

export function bottomLine(rows: readonly VerdictRow[]): BottomLine {
  const holds: string[] = [];
  const needDebugChecks: string[] = [];
  const fails: BottomLine['fails'] = [];
  for (const r of rows) {
    const st = standing(r);
    if (st === 'holds') holds.push(r.policy);
    else if (st === 'holds-with-debug-checks') needDebugChecks.push(r.policy);
    else fails.push({ policy: r.policy, why: failureOf(r)! });
  }
  const ok = rows.filter((r) => standing(r) !== 'fails');
  const key = (r: VerdictRow): number[] => [r.cpaCalls, r.tlbFlushes + r.clflushPages, r.treeEntries, r.refOps];
  const cmp = (a: VerdictRow, b: VerdictRow): number => {
    const ka = key(a);
    const kb = key(b);
    for (let i = 0; i < ka.length; i++) if (ka[i] !== kb[i]) return ka[i]! - kb[i]!;
    return 0;
  };
  const best = [...ok].sort(cmp)[0];
  const cheapest = best ? ok.filter((r) => cmp(r, best) === 0) : [];
  const base = rows.find((r) => r.policy === 'baseline');
  return {
    holds,
    needDebugChecks,
    fails,
    cheapest: cheapest.map((r) => r.policy),
    cheapestCost: best ? { cpaCalls: best.cpaCalls, tlbFlushes: best.tlbFlushes, clflushPages: best.clflushPages, treeEntries: best.treeEntries, refOps: best.refOps } : null,
    baseline: base ? standing(base) : null,
  };
}
