/**
 * The debate's summary table (spec 06 §4), regenerated from the tool's own
 * measurements over the built-in suite. Each column is computed from one
 * scenario's results, never typed in; docs/summary-vs-spec.md explains every
 * cell that differs from the spec's table (a summary of a debate, where this
 * one is measured).
 */

import { cacheModeFromName, cacheModeShort } from '../hw/cache-mode.js';
import type { ScenarioComparison } from './result.js';

/** The first scenario that declares a role (`roles:` in the scenario file). */
function withRole(results: readonly ScenarioComparison[], role: 'request' | 'scale'): ScenarioComparison | undefined {
  return results.find((s) => s.roles?.[role] !== undefined);
}

/** Column titles: the scenario each column reads is named in it. */
export function summaryColumns(results: readonly ScenarioComparison[]): string[] {
  const req = withRole(results, 'request')?.name ?? 'no request role';
  const scale = withRole(results, 'scale')?.name ?? 'no scale role';
  return [
    'policy',
    `honours request (${req})`,
    `tree entries (${scale})`,
    `CPA calls (${scale})`,
    `refs per page (${req})`,
    'high aliases (suite)',
    'changed pages (suite)',
    'hazard pages (suite)',
    'debug WARNs',
    'failed/fatal',
  ];
}

/** One row per design, in the order the results list them. */
export function summaryRows(results: readonly ScenarioComparison[]): string[][] {
  const policies = results[0]?.policies.map((p) => p.policy) ?? [];
  const reqScenario = withRole(results, 'request');
  const scaleScenario = withRole(results, 'scale');
  return policies.map((name, i) => {
    const hi = reqScenario?.policies[i];
    const sc = scaleScenario?.policies[i];
    const all = results.map((s) => s.policies[i]!).filter(Boolean);
    const user = hi?.mappings.find((m) => m.name === reqScenario!.roles!.request);
    const failedThere = (hi?.errors ?? []).length > 0;
    const mode = user ? cacheModeFromName(user.requested) : undefined;
    const asked = user ? (mode === undefined ? user.requested : cacheModeShort(mode)) : '-';
    const honours =
      !hi || hi.outcome !== 'ok'
        ? (hi?.outcome ?? '-')
        : user && user.effective === asked
          ? failedThere
            ? 'first page only, fault fails'
            : 'yes'
          : `no (${user?.effective ?? '-'})`;
    const perPage = hi && hi.outcome === 'ok' && user && user.npages > 0 ? ((hi.costs['refcountOps'] ?? 0) + (hi.costs['mapcountOps'] ?? 0)) / user.npages : NaN;
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
  const cols = summaryColumns(results);
  const rows = [cols, ...summaryRows(results)];
  const w = cols.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  const line = (r: readonly string[]): string => r.map((c, i) => c.padEnd(w[i]!)).join(' | ').trimEnd();
  return [line(rows[0]!), w.map((n) => '-'.repeat(n)).join('-|-'), ...rows.slice(1).map(line)].join('\n') + '\n';
}
