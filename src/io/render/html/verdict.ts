/**
 * The verdict as HTML (docs/checks.md §6): one row per design over the
 * scenarios given, the bottom line under it, and each design's title. The
 * report puts it first for the whole suite and each scenario section repeats
 * it for that scenario alone; the interactive page shows the same. Words
 * come from verdict-prose.ts, so text, HTML and the page agree.
 */

import type { ScenarioComparison } from '../../../run/result.js';
import { verdictRows, type VerdictRow } from '../../../run/verdict.js';
import { describePolicy } from '../../../policy/registry.js';
import { bottomLineProse, exploreHeading, exploreProse, installsCell } from '../verdict-prose.js';
import type { ExploreCitation } from '../../../run/explore/citation.js';
import { esc } from './escape.js';

const COLS: readonly { head: string; title: string; cell: (r: VerdictRow) => string; bad?: (r: VerdictRow) => boolean }[] = [
  { head: 'installs', title: 'every successful call mapped what its caller asked for: yes; less (N): only less cacheable modes, in N scenarios; no (N): a more cacheable mode than asked, in N scenarios', cell: installsCell, bad: (r) => r.weakerIn.length > 0 },
  { head: 'aliased<br><small>all / high</small>', title: 'distinct pages that at some step had two live mappings with different effective types / of those, cacheable against uncached', cell: (r) => `${r.aliasedPages} / ${r.aliasedPagesHigh}`, bad: (r) => r.aliasedPagesHigh > 0 },
  { head: 'changed', title: 'distinct pages a successful call mapped with another mode than asked', cell: (r) => String(r.changedPages) },
  { head: 'hazard', title: 'distinct pages freed, pooled or given a reference while another party held them', cell: (r) => String(r.hazardPages), bad: (r) => r.hazardPages > 0 },
  { head: 'failed', title: 'calls that failed (+NF: fatal outcomes)', cell: (r) => (r.fatal ? `${r.failedCalls}+${r.fatal}F` : String(r.failedCalls)), bad: (r) => r.failedCalls + r.fatal > 0 },
  { head: 'CPA', title: 'change_page_attr calls', cell: (r) => r.cpaCalls.toLocaleString('en-US') },
  { head: 'TLB / clflush', title: 'TLB flush operations / pages clflushed', cell: (r) => `${r.tlbFlushes.toLocaleString('en-US')} / ${r.clflushPages.toLocaleString('en-US')}` },
  { head: 'tree', title: 'peak memtype tree entries', cell: (r) => r.treeEntries.toLocaleString('en-US') },
  { head: 'refs', title: 'refcount + mapcount operations', cell: (r) => r.refOps.toLocaleString('en-US') },
  { head: 'WARN', title: 'debug-kernel WARNs', cell: (r) => String(r.debugWarns) },
];

function rowHtml(r: VerdictRow): string {
  const d = describePolicy(r.policy);
  const name = d ? `<th class="sticky" scope="row" title="${esc(`${d.standsFor}: ${d.title}`)}">${esc(r.policy)}</th>` : `<th class="sticky" scope="row">${esc(r.policy)}</th>`;
  const cells = COLS.map((c) => `<td class="${c.bad?.(r) ? 'cell-high' : ''}">${esc(c.cell(r))}</td>`).join('');
  return `<tr data-policy="${esc(r.policy)}">${name}${cells}</tr>`;
}

/** The verdict table and bottom line over `results` (one scenario or many). */
export function verdictHtml(results: readonly ScenarioComparison[], explore?: ExploreCitation): string {
  const rows = verdictRows(results);
  const head = `<tr><th class="sticky">design</th>${COLS.map((c) => `<th title="${esc(c.title)}">${c.head}</th>`).join('')}</tr>`;
  const table = `<div class="table-wrap"><table class="cmp verdict-table"><thead>${head}</thead><tbody>${rows.map(rowHtml).join('')}</tbody></table></div>`;
  const bl = bottomLineProse(results, rows);
  const fails = bl.fails.length ? `<li class="v-bad">Fail:<ul>${bl.fails.map((f) => `<li><b>${esc(f.policy)}</b>: ${esc(f.why)}</li>`).join('')}</ul></li>` : '';
  const lead = bl.lead.map((l) => `<li class="v-${l.tone}">${esc(l.text)}</li>`).join('');
  const tail = bl.tail.map((t) => `<li class="v-muted">${esc(t)}</li>`).join('');
  const ex = explore ? exploreProse(explore, rows.map((r) => r.policy)) : [];
  const exHtml = ex.length ? `<li class="v-muted">${esc(exploreHeading(explore!))}<ul>${ex.map((l) => `<li class="v-${l.tone}">${esc(l.text)}</li>`).join('')}</ul></li>` : '';
  return `${table}<ul class="verdict bottom-line">${lead}${fails}${tail}${exHtml}</ul>`;
}

/** Each design's name, the thread option or patch it stands for, and its one-line title. */
export function designsHtml(policies: readonly string[]): string {
  const items = policies.map((p) => {
    const d = describePolicy(p);
    return d ? `<dt>${esc(p)}</dt><dd><i>${esc(d.standsFor)}</i>: ${esc(d.title)}</dd>` : `<dt>${esc(p)}</dt><dd></dd>`;
  });
  return `<dl class="designs">${items.join('')}</dl>`;
}
