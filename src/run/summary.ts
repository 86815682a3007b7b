/**
 * The debate's summary table (spec 06 §4), regenerated from the tool's own
 * measurements over the built-in suite. Each column is computed from one
 * scenario's results, never typed in; docs/summary-vs-spec.md explains every
 * cell that differs from the spec's table (a summary of a debate, where this
 * one is measured).
 */

import type { PolicyResult, ScenarioComparison } from './result.js';

function find(results: readonly ScenarioComparison[], scenario: string, policy: string): PolicyResult | undefined {
  return results.find((s) => s.name === scenario)?.policies.find((p) => p.policy === policy);
}

export const SUMMARY_COLUMNS = [
  'policy',
  'honours WC, 32-bit highmem',
  'tree entries (1e5 pages)',
  'CPA calls (1e5 pages)',
  'refs per page',
  'high aliases (suite)',
  'changed pages (suite)',
  'hazard pages (suite)',
  'debug WARNs',
  'failed/fatal',
] as const;

/** One row per design, in the order the results list them. */
export function summaryRows(results: readonly ScenarioComparison[]): string[][] {
  const policies = results[0]?.policies.map((p) => p.policy) ?? [];
  return policies.map((name) => {
    const hi = find(results, 'ttm-highmem-wc', name);
    const sc = find(results, 'scattered-1e5-pages', name);
    const all = results.map((s) => s.policies.find((p) => p.policy === name)!).filter(Boolean);
    const user = hi?.mappings.find((m) => m.name === 'user_map');
    const failedThere = (hi?.errors ?? []).length > 0;
    const honours =
      !hi || hi.outcome !== 'ok'
        ? (hi?.outcome ?? '-')
        : user?.effective === 'WC'
          ? failedThere
            ? 'first page only, fault fails'
            : 'yes'
          : `no (${user?.effective ?? '-'})`;
    const perPage = hi && hi.outcome === 'ok' ? ((hi.costs['refcountOps'] ?? 0) + (hi.costs['mapcountOps'] ?? 0)) / 16 : NaN;
    const failed = all.filter((p) => p.outcome === 'fatal' || (p.errors ?? []).length > 0 || p.outcome === 'not-modelled').map((p) => (p.outcome === 'ok' ? 'err' : p.outcome));
    return [
      name,
      honours,
      sc && sc.outcome === 'ok' ? String(sc.costs['treeEntriesPeak'] ?? 0) : sc?.outcome ?? '-',
      sc && sc.outcome === 'ok' ? String(sc.costs['cpaCalls'] ?? 0) : sc?.outcome ?? '-',
      Number.isNaN(perPage) ? '-' : String(perPage),
      String(all.reduce((n, p) => n + p.totals.aliased_pages_high, 0)),
      String(all.reduce((n, p) => n + p.totals.changed_pages, 0)),
      String(all.reduce((n, p) => n + p.totals.hazard_pages, 0)),
      String(all.reduce((n, p) => n + p.warns.length, 0)),
      failed.length ? `${failed.length} (${[...new Set(failed)].join(', ')})` : '0',
    ];
  });
}

/** The table as aligned text. */
export function summaryText(results: readonly ScenarioComparison[]): string {
  const rows = [SUMMARY_COLUMNS as readonly string[], ...summaryRows(results)];
  const w = SUMMARY_COLUMNS.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: readonly string[]): string => r.map((c, i) => c.padEnd(w[i]!)).join(' | ').trimEnd();
  return [line(rows[0]!), w.map((n) => '-'.repeat(n)).join('-|-'), ...rows.slice(1).map(line)].join('\n') + '\n';
}
