/**
 * `patlab compare` text: per scenario, one row per design with the
 * effective mode of each reported mapping, conflicting aliases by severity,
 * silent downgrades, refcount hazards, the outcome and the main costs.
 */

import type { PolicyResult, ScenarioComparison } from '../../run/result.js';

function pad(s: string, n: number): string {
  return s.length >= n ? s : s + ' '.repeat(n - s.length);
}

function countPages<T extends { npages: number }>(xs: readonly T[], pred: (x: T) => boolean = () => true): number {
  let n = 0;
  for (const x of xs) if (pred(x)) n += x.npages;
  return n;
}

function cells(p: PolicyResult, mappingNames: string[]): string[] {
  if (p.outcome === 'skipped' || p.outcome === 'not-applicable' || p.outcome === 'not-modelled') return [p.outcome, ...mappingNames.map(() => '-'), '-', '-', '-', '-', '-', '-', '-', '-'];
  const mode = (name: string): string => {
    const m = p.mappings.find((x) => x.name === name);
    if (!m) return '-';
    return m.requested !== m.installed && m.requested !== '-' ? `${m.effective} (req ${short(m.requested)})` : m.effective;
  };
  const c = p.costs;
  return [
    p.outcome === 'fatal' ? `FATAL ${p.fatal!.what}@${p.fatal!.step}` : 'ok',
    ...mappingNames.map(mode),
    String((p.errors ?? []).length),
    `${countPages(p.aliases, (a) => a.severity === 'high')}/${countPages(p.aliases, (a) => a.severity === 'medium')}`,
    String(countPages(p.downgrades)),
    String(countPages(p.hazards)),
    String(c['treeEntriesPeak'] ?? 0),
    String(c['cpaCalls'] ?? 0),
    `${(c['tlbFlushAll'] ?? 0) + (c['tlbFlushRounds'] ?? 0)}/${c['clflushPages'] ?? 0}`,
    String((c['refcountOps'] ?? 0) + (c['mapcountOps'] ?? 0)),
  ];
}

function short(mode: string): string {
  return (
    { 'write-back': 'WB', 'write-combining': 'WC', 'uncached-minus': 'UC-', uncached: 'UC', 'write-through': 'WT', 'write-protected': 'WP' } as Record<string, string>
  )[mode] ?? mode;
}

export function compareToText(results: readonly ScenarioComparison[]): string {
  const out: string[] = [];
  for (const s of results) {
    out.push(`== ${s.name} (${s.machine}, kernel ${s.kernel})`);
    if (s.description) out.push(`   ${s.description}`);
    const names = [...new Set(s.policies.flatMap((p) => p.mappings.map((m) => m.name)))];
    const header = ['policy', 'outcome', ...names, 'errs', 'alias H/M', 'downgr', 'hazards', 'tree', 'CPA', 'TLB/clfl', 'refs'];
    const rows = s.policies.map((p) => [p.policy, ...cells(p, names)]);
    const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
    out.push('   ' + header.map((h, i) => pad(h, widths[i]!)).join('  ').trimEnd());
    for (const r of rows) out.push('   ' + r.map((c, i) => pad(c, widths[i]!)).join('  ').trimEnd());
    const notes = s.policies.filter((p) => p.reason && p.outcome !== 'ok').map((p) => `   ${p.policy}: ${p.reason}`);
    for (const p of s.policies) {
      const errs = p.errors ?? [];
      if (errs.length) notes.push(`   ${p.policy}: step ${errs[0]!.step} ${errs[0]!.call} failed: ${errs[0]!.what}${errs.length > 1 ? ` (+${errs.length - 1} more)` : ''}`);
    }
    if (notes.length) out.push(...notes);
    out.push('');
  }
  out.push('columns: mapping columns give the effective memory type (what the CPU does), with the requested mode when');
  out.push('it was not installed; errs = steps whose call failed; alias H/M = pages with conflicting aliases of high/medium severity; downgr = pages');
  out.push('silently given another mode than requested; hazards = pages with refcount hazards; tree = peak memtype');
  out.push('tree entries; CPA = change_page_attr calls; TLB/clfl = TLB flush operations / pages clflushed; refs =');
  out.push('refcount+mapcount operations. Units: docs/costs.md. Use --format json for every detail.');
  return out.join('\n') + '\n';
}
