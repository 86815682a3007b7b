/**
 * `patlab compare` text: the verdict first (one row per design over every
 * scenario, then the bottom line computed from those rows), then per
 * scenario one row per design. Fits 100 columns; prose is wrapped. Every
 * count is defined in docs/checks.md.
 */

import type { PolicyResult, ScenarioComparison } from '../../run/result.js';
import { shortMode } from './html/modes.js';
import { describePolicy } from '../../policy/registry.js';
import { verdictRows, type VerdictRow } from '../../run/verdict.js';
import { bottomLineProse, exploreHeading, exploreProse, installsCell } from './verdict-prose.js';
import type { ExploreCitation } from '../../run/explore/citation.js';

const WIDTH = 100;

/** Wrap prose to `width` columns, each line after the first indented by `indent`. */
export function wrap(text: string, width = WIDTH, indent = '', first = indent): string[] {
  const words = text.split(/\s+/).filter(Boolean);
  const out: string[] = [];
  let line = first;
  let empty = true;
  for (const w of words) {
    if (!empty && line.length + 1 + w.length > width) {
      out.push(line);
      line = indent;
      empty = true;
    }
    line += (empty ? '' : ' ') + w;
    empty = false;
  }
  if (!empty || out.length === 0) out.push(line);
  return out;
}

/** A design name split after '+' (then after '-') so it takes several short lines in a narrow column. */
function nameLines(name: string, width: number): string[] {
  if (name.length <= width) return [name];
  const pieces = name.split(/(?<=[+])/).flatMap((p) => (p.length <= width ? [p] : p.split(/(?<=-)/)));
  const out: string[] = [];
  let cur = '';
  for (const piece of pieces) {
    if (cur && cur.length + piece.length > width) {
      out.push(cur);
      cur = '';
    }
    cur += piece;
  }
  if (cur) out.push(cur);
  return out;
}

/** Rows as aligned columns within WIDTH: the first column wraps design names, down to what the other columns leave. */
function table(header: string[], rows: string[][], nameWidth: number, indent = '', sep = '  '): string[] {
  const others = header.slice(1).map((h, j) => Math.max(h.length, ...rows.map((r) => r[j + 1]!.length)));
  const rest = indent.length + others.reduce((n, w, j) => n + (j === others.length - 1 ? w : w) + sep.length, 0);
  const fit = Math.max(12, Math.min(nameWidth, WIDTH - rest));
  const first = Math.max(header[0]!.length, ...rows.map((r) => Math.max(...nameLines(r[0]!, fit).map((l) => l.length))));
  const widths = [first, ...others];
  const line = (cells: string[]): string => indent + cells.map((c, i) => (i === cells.length - 1 ? c : c.padEnd(widths[i]!))).join(sep).trimEnd();
  const out = [line(header)];
  for (const r of rows) {
    const names = nameLines(r[0]!, fit);
    out.push(line([names[0]!, ...r.slice(1)]));
    for (const n of names.slice(1)) out.push(line([n, ...r.slice(1).map(() => '')]));
  }
  return out;
}

function verdictCells(r: VerdictRow): string[] {
  const asked = installsCell(r);
  return [
    r.policy,
    asked,
    `${r.aliasedPages}/${r.aliasedPagesHigh}`,
    String(r.changedPages),
    String(r.hazardPages),
    r.fatal ? `${r.failedCalls}+${r.fatal}F` : String(r.failedCalls),
    String(r.cpaCalls),
    `${r.tlbFlushes}/${r.clflushPages}`,
    String(r.treeEntries),
    String(r.refOps),
    String(r.debugWarns),
  ];
}

const VERDICT_HEADER = ['design', 'installs', 'alias/hi', 'changed', 'hazard', 'failed', 'CPA', 'TLB/clfl', 'tree', 'refs', 'WARN'];

/** The verdict table and the bottom line: the answer up front. */
export function verdictText(results: readonly ScenarioComparison[], explore?: ExploreCitation): string[] {
  const rows = verdictRows(results);
  const out: string[] = [];
  out.push(`== Verdict: ${results.length} scenario(s) under ${rows.length} design(s)`);
  out.push(...table(VERDICT_HEADER, rows.map(verdictCells), 22, '', ' '));
  out.push('');
  const bl = bottomLineProse(results, rows);
  const para = (text: string): void => {
    out.push(...wrap(text, WIDTH, '   ', '   '));
  };
  for (const l of bl.lead) para(l.text);
  if (bl.fails.length) {
    out.push('   Fail:');
    for (const f of bl.fails) out.push(...wrap(`${f.policy}: ${f.why}`, WIDTH, '       ', '     - '));
  }
  bl.tail.forEach(para);
  if (explore) {
    const lines = exploreProse(explore, rows.map((r) => r.policy));
    if (lines.length) {
      para(exploreHeading(explore));
      for (const l of lines) out.push(...wrap(l.text, WIDTH, '       ', '     - '));
    }
  }
  out.push('');
  return out;
}

function scenarioCells(p: PolicyResult, mappingNames: string[]): string[] {
  if (p.outcome === 'skipped' || p.outcome === 'not-applicable' || p.outcome === 'not-modelled') return [p.policy, p.outcome, ...mappingNames.map(() => '-'), '-', '-', '-', '-'];
  const mode = (name: string): string => {
    const m = p.mappings.find((x) => x.name === name);
    if (!m) return '-';
    return m.requested !== m.installed && m.requested !== '-' ? `${m.effective} (req ${shortMode(m.requested)})` : m.effective;
  };
  const t = p.totals;
  return [
    p.policy,
    p.outcome === 'fatal' ? `FATAL ${p.fatal!.what}@${p.fatal!.step}` : 'ok',
    ...mappingNames.map(mode),
    `${t.aliased_pages}/${t.aliased_pages_high}`,
    String(t.changed_pages),
    String(t.hazard_pages),
    String(t.failed_calls),
  ];
}

export function compareToText(results: readonly ScenarioComparison[], explore?: ExploreCitation): string {
  const out: string[] = [...verdictText(results, explore)];
  for (const s of results) {
    out.push(`== ${s.name} (${s.machine}, kernel ${s.kernel})`);
    if (s.description) out.push(...wrap(s.description, WIDTH, '   ', '   '));
    const names = [...new Set(s.policies.flatMap((p) => p.mappings.map((m) => m.name)))];
    const header = ['design', 'outcome', ...names, 'alias/hi', 'changed', 'hazard', 'failed'];
    out.push(...table(header, s.policies.map((p) => scenarioCells(p, names)), 24, '   '));
    const notes: string[] = [];
    for (const p of s.policies) if (p.reason && p.outcome !== 'ok') notes.push(`${p.policy}: ${p.reason}`);
    for (const p of s.policies) {
      const errs = p.errors;
      if (errs.length) {
        const e = errs[0]!;
        notes.push(`${p.policy}: step ${e.step} ${e.call} failed: ${e.what}${e.reason ? ` (${e.reason})` : ''}${errs.length > 1 ? ` (+${errs.length - 1} more)` : ''}`);
      }
    }
    for (const n of notes) out.push(...wrap(n, WIDTH, '     ', '   '));
    out.push('');
  }
  out.push(
    ...wrap(
      'Columns: installs = every successful call mapped what its caller asked for (no (N): in N scenarios a page got a more cacheable mode than asked; less (N): only less cacheable ones), leaving out what every design does alike; ' +
        'alias/hi = distinct pages that at some step had two live mappings with different effective types / of those, cacheable against uncached; ' +
        'changed = distinct pages a successful call mapped with another mode than asked; hazard = distinct pages freed, pooled or given a reference while another party held them; ' +
        'failed = calls that failed (+NF: fatal outcomes); CPA = change_page_attr calls; TLB/clfl = TLB flush operations / pages clflushed; tree = peak memtype tree entries; ' +
        'refs = refcount+mapcount operations; WARN = debug-kernel WARNs. Verdict figures add up the scenarios. Definitions: docs/checks.md; units: docs/costs.md. ' +
        'Mapping columns give the effective type while the mapping lived. --format json has every detail.',
    ),
  );
  out.push('', 'Designs (patlab policies lists their hooks and conflicts):');
  for (const p of results[0]?.policies ?? []) {
    const d = describePolicy(p.policy);
    if (d) out.push(...wrap(`${d.name} (${d.standsFor}): ${d.title}`, WIDTH, '     ', '   '));
  }
  return out.join('\n') + '\n';
}
