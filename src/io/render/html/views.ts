/**
 * The views of one scenario's comparison as HTML text: facts, a plain-words
 * verdict, the comparison table, cost charts, the memory strip, and per
 * design the flagged pfns as lanes and the step timeline with kernel
 * messages. Shared by the report (compare-html.ts) and the interactive page
 * (web/main.ts), so both show exactly the same thing. Pure: no DOM, no I/O,
 * no clock.
 */

import type { PolicyResult, ReportedMapping, ScenarioComparison } from '../../../run/result.js';
import type { ChartSvg } from './charts.js';
import { esc, hex } from './escape.js';
import { HOLE_COLOUR, modeColour, modeInk, SEVERITY_COLOURS, shortMode } from './modes.js';
import { stripData } from './strip.js';
import { verdictHtml } from './verdict.js';
import type { ExploreCitation } from '../../../run/explore/citation.js';

const plural = (n: number, w: string): string => `${n} ${w}${n === 1 ? '' : 's'}`;

function ran(p: PolicyResult): boolean {
  return p.outcome === 'ok' || p.outcome === 'fatal';
}

export function slug(s: string): string {
  return s.toLowerCase().replace(/[^a-z0-9]+/g, '-').replace(/^-|-$/g, '') || 'scenario';
}

export function chip(mode: string, title?: string): string {
  const m = shortMode(mode);
  if (m === '-' || m === '') return '<span class="muted">–</span>';
  return `<span class="chip" style="background:${modeColour(m)};color:${modeInk(m)}"${title ? ` title="${esc(title)}"` : ''}>${esc(m)}</span>`;
}

/**
 * What a reported mapping asked for. compare.ts takes the request from the
 * step that created the handle, but a TTM user mapping is created by mmap
 * (asking the VMA's WB) and filled by a later fault asking WC: a silent
 * downgrade recorded at the mapping's pfn is the better witness of the
 * request, so it wins.
 */
function requestOf(p: PolicyResult, m: ReportedMapping): string {
  if (m.kind !== 'user') return m.requested;
  let best: PolicyResult['changes'][number] | undefined;
  for (const g of p.changes) if (m.pfn >= g.pfn && m.pfn < g.pfn + g.npages && shortMode(g.installed) === shortMode(m.installed) && (!best || g.step > best.step)) best = g;
  return best ? best.requested : m.requested;
}

/** A reported mapping got the mode it asked for (the PTE holds it; MTRRs may still change the effective type). */
function honoured(p: PolicyResult, m: ReportedMapping): boolean {
  const req = requestOf(p, m);
  return req === '-' || shortMode(req) === shortMode(m.installed);
}

function mappingCell(p: PolicyResult, name: string): string {
  const m = p.mappings.find((x) => x.name === name);
  if (!ran(p)) return '<td class="muted">–</td>';
  if (!m) return `<td data-mapping="${esc(name)}" class="muted">not created</td>`;
  const requested = requestOf(p, m);
  const title = `requested ${requested}; PTE ${m.installed}; effective ${m.effective} (pfn ${hex(m.pfn)}, ${m.kind})`;
  const req = honoured(p, m) ? '' : ` <span class="req bad" title="requested ${esc(requested)}, installed ${esc(m.installed)}">req ${esc(shortMode(requested))}</span>`;
  const pte = shortMode(m.installed) !== shortMode(m.effective) && m.installed.includes('-') ? ` <span class="req" title="PTE mode; the MTRR changes the effective type">PTE ${esc(shortMode(m.installed))}</span>` : '';
  return `<td data-mapping="${esc(name)}" data-effective="${esc(m.effective)}" data-requested="${esc(shortMode(requested))}" title="${esc(title)}">${chip(m.effective)}${req}${pte}</td>`;
}

function flushes(c: Readonly<Record<string, number>>): number {
  return (c['tlbFlushAll'] ?? 0) + (c['tlbFlushRounds'] ?? 0);
}

function tableHtml(s: ScenarioComparison): string {
  const names = [...new Set(s.policies.flatMap((p) => p.mappings.map((m) => m.name)))];
  const head =
    '<tr><th class="sticky">design</th><th>outcome</th>' +
    names.map((n) => `<th title="effective memory type of the reported mapping '${esc(n)}'">${esc(n)}</th>`).join('') +
    '<th title="distinct pages that at some step had two live mappings with different effective types / of those, cacheable against uncached">aliased<br><small>all / high</small></th>' +
    '<th title="distinct pages a successful call mapped with another mode than asked">changed</th>' +
    '<th title="distinct pages freed, pooled or given a reference while another party held them">hazard</th>' +
    '<th title="kernel WARN splats (debug checks)">WARNs</th>' +
    '<th title="T: peak memtype tree entries">T<br><small>tree</small></th>' +
    '<th title="C: change_page_attr calls">C<br><small>CPA</small></th>' +
    '<th title="F: TLB flush operations / cache lines flushed">F<br><small>TLB / lines</small></th>' +
    '<th title="R: refcount + mapcount operations">R<br><small>refs</small></th></tr>';
  const rows = s.policies.map((p) => {
    const c = p.costs;
    let outcome: string;
    if (p.outcome === 'ok') outcome = '<span class="ok">ok</span>';
    else if (p.outcome === 'fatal') outcome = `<span class="bad" title="${esc(p.fatal?.text ?? '')}">FATAL ${esc(p.fatal?.what ?? '')} @${p.fatal?.step ?? '?'}</span>`;
    else outcome = `<span class="muted" title="${esc(p.reason ?? '')}">${esc(p.outcome)}</span>`;
    if (!ran(p)) {
      return `<tr data-policy="${esc(p.policy)}" class="not-run"><th class="sticky" scope="row">${esc(p.policy)}</th><td>${outcome}</td><td colspan="${names.length + 8}" class="muted">${esc(p.reason ?? '')}</td></tr>`;
    }
    const t = p.totals;
    const aliasCell = `<td data-col="aliases" class="${t.aliased_pages_high ? 'cell-high' : t.aliased_pages ? 'cell-medium' : ''}">${t.aliased_pages} / ${t.aliased_pages_high}</td>`;
    const dg = t.changed_pages;
    const hz = t.hazard_pages;
    const num = (v: number, col: string): string => `<td data-col="${col}" class="num${v ? '' : ' zero'}">${v.toLocaleString('en-US')}</td>`;
    return (
      `<tr data-policy="${esc(p.policy)}"><th class="sticky" scope="row">${esc(p.policy)}</th><td data-col="outcome">${outcome}</td>` +
      names.map((n) => mappingCell(p, n)).join('') +
      aliasCell +
      `<td data-col="downgrades" class="num${dg ? ' cell-medium' : ' zero'}">${dg}</td>` +
      `<td data-col="hazards" class="num${hz ? ' cell-medium' : ' zero'}">${hz}</td>` +
      `<td data-col="warns" class="num${p.warns.length ? '' : ' zero'}">${p.warns.length}</td>` +
      num(c['treeEntriesPeak'] ?? 0, 'T') +
      num(c['cpaCalls'] ?? 0, 'C') +
      `<td data-col="F" class="num${flushes(c) || c['clflushLines'] ? '' : ' zero'}">${flushes(c).toLocaleString('en-US')} / ${(c['clflushLines'] ?? 0).toLocaleString('en-US')}</td>` +
      num((c['refcountOps'] ?? 0) + (c['mapcountOps'] ?? 0), 'R') +
      '</tr>'
    );
  });
  return `<div class="table-wrap"><table class="cmp"><thead>${head}</thead><tbody>${rows.join('')}</tbody></table></div>`;
}

function factsHtml(s: ScenarioComparison): string {
  const ramPages = s.ram.reduce((n, r) => n + (r.end - r.start), 0);
  const gib = ramPages / 262144;
  const size = gib >= 1 ? `${gib.toFixed(gib % 1 ? 2 : 0)} GiB` : `${(ramPages / 256).toFixed(0)} MiB`;
  return (
    '<dl class="facts">' +
    `<div><dt>machine</dt><dd>${esc(s.machine)}</dd></div>` +
    `<div><dt>kernel</dt><dd>${esc(s.kernel)}</dd></div>` +
    `<div><dt>RAM</dt><dd>${size} in ${plural(s.ram.length, 'range')} (pfns up to ${hex(s.maxPfn)})</dd></div>` +
    `<div><dt>designs</dt><dd>${s.policies.length} (${s.policies.filter(ran).length} ran)</dd></div>` +
    '</dl>'
  );
}

export function legendHtml(): string {
  const modes = ['WB', 'WC', 'UC-', 'UC', 'WT', 'WP'].map((m) => `<span class="lg"><i style="background:${modeColour(m)}"></i>${m}</span>`);
  const other = [
    `<span class="lg"><i style="background:${HOLE_COLOUR}"></i>not RAM / nothing</span>`,
    `<span class="lg"><i style="background:${SEVERITY_COLOURS['high']}"></i>high alias</span>`,
    `<span class="lg"><i style="background:${SEVERITY_COLOURS['medium']}"></i>medium alias</span>`,
    '<span class="lg"><i style="background:#6a3d9a"></i>downgrade</span>',
    '<span class="lg"><i style="background:#b15928"></i>hazard</span>',
  ];
  return `<div class="legend">${modes.join('')}${other.join('')}</div>`;
}

/** JSON inside a <script> element: `<` escaped so no `</script>` can end it early. */
function scriptJson(v: unknown): string {
  return JSON.stringify(v).replace(/</g, '\\u003c');
}

function stripSectionHtml(s: ScenarioComparison): string {
  const d = stripData(s);
  if (!d.policies.length) return '<p class="muted">No design ran.</p>';
  const buttons =
    '<button type="button" data-zoom="reset">whole range</button><button type="button" data-zoom="out">zoom out</button>' +
    d.marks.map((m) => `<button type="button" data-zoom="${m.lo}-${m.hi}" title="pfn ${hex(m.lo)}, ${plural(m.hi - m.lo, 'page')}">${esc(m.text)} @${hex(m.lo)}</button>`).join('');
  // The script draws the strip from its JSON (the report's inline script, the page's module): a static copy would double its bytes.
  return (
    `<div class="strip" data-scenario="${esc(s.name)}">` +
    `<p class="hint">Each bar is the pfn range of the window split into at most 400 bins of whole pages; a bin takes the colour of the most notable thing in it (hover for exact page counts). Drag across a bar to zoom, click to zoom in around a point.</p>` +
    `<div class="zoom-buttons">${buttons}</div>` +
    '<div class="strip-view"><noscript>The memory strip is drawn by the page\'s script.</noscript></div>' +
    `<script type="application/json">${scriptJson(d)}</script></div>`
  );
}

const KIND_RANK: Readonly<Record<string, number>> = { direct: 0, highmap: 1, kmap: 2, kmap_local: 3, vmap: 4, ioremap: 5, user: 6, hold: 7 };

/** A lane's requested mode for a segment: a mode change of that step and pfn says what was asked; otherwise the PTE holds what was asked. */
function segmentRequested(p: PolicyResult, pfn: number, from: number, installed: string): { mode: string; known: boolean } {
  const d = p.changes.find((g) => g.step === from && pfn >= g.pfn && pfn < g.pfn + g.npages);
  if (d) return { mode: d.requested, known: true };
  return { mode: installed, known: false };
}

function lanesHtml(p: PolicyResult): string {
  const d = p.detail!;
  if (!d.lanes.length) return '<p class="muted">No flagged pfn.</p>';
  const n = d.steps.length;
  const slot = 100 / (n + 1);
  // Step index -> position on the axis (steps may be numbered with gaps).
  const pos = new Map<number, number>([[0, 0]]);
  d.steps.forEach((st, i) => pos.set(st.index, i + 1));
  const at = (step: number | null): number => (step === null ? n + 1 : (pos.get(step) ?? n + 1));
  const ticks: string[] = [];
  const every = Math.max(1, Math.ceil((n + 1) / 20));
  for (let i = 0; i <= n; i += every) ticks.push(`<span class="tick" style="left:${(i * slot).toFixed(3)}%">${i === 0 ? 'boot' : d.steps[i - 1]!.index}</span>`);
  const blocks = d.lanes.map((fl) => {
    const alias = p.aliases.find((a) => fl.pfn >= a.pfn && fl.pfn < a.pfn + a.npages);
    const range = fl.npages > 1 ? `pfns ${hex(fl.pfn)}–${hex(fl.pfn + fl.npages - 1)} (${plural(fl.npages, 'page')})` : `pfn ${hex(fl.pfn)}`;
    const sev = fl.flag.replace(/^alias /, '');
    const head = `${range} <span class="sev sev-${esc(sev)}">${esc(fl.flag)}</span>${alias ? ` effective types ${alias.modes.map((m) => chip(m)).join(' ')}` : ''}`;
    const lanes = [...fl.mappings]
      .sort((a, b) => (KIND_RANK[a.kind] ?? 9) - (KIND_RANK[b.kind] ?? 9) || a.created - b.created || a.owner.localeCompare(b.owner))
      .map((l) => {
        const label = `${l.kind}${l.owner ? ' · ' + l.owner : ''}`;
        const end = at(l.removed);
        const bars = l.segments.map((sg, i) => {
          const x0 = at(sg.from);
          const x1 = i + 1 < l.segments.length ? at(l.segments[i + 1]!.from) : end;
          const req = segmentRequested(p, fl.pfn, sg.from, sg.installed);
          const changed = req.known && shortMode(req.mode) !== shortMode(sg.installed);
          const text = l.kind === 'hold' ? sg.installed : `${req.known ? `req ${shortMode(req.mode)} → ` : ''}PTE ${shortMode(sg.installed)} → eff ${shortMode(sg.effective)}`;
          const title = `${label}: ${l.kind === 'hold' ? sg.installed : `requested ${req.mode}${req.known ? '' : ' (as installed)'}; installed ${sg.installed}; effective ${sg.effective}`}; from ${sg.from === 0 ? 'boot' : 'step ' + sg.from}${l.removed !== null ? `; gone at step ${l.removed}` : ''}${l.properties ? '; ' + l.properties.join(', ') : ''}`;
          const colour = l.kind === 'hold' ? '#888' : modeColour(sg.effective);
          const ink = l.kind === 'hold' ? '#fff' : modeInk(sg.effective);
          return `<span class="lane-bar${changed ? ' lane-changed' : ''}" style="left:${(x0 * slot).toFixed(3)}%;width:${(Math.max(x1 - x0, 0.25) * slot).toFixed(3)}%;background:${colour};color:${ink}" title="${esc(title)}">${esc(text)}</span>`;
        });
        const life = `${l.created === 0 ? 'boot' : 'step ' + l.created}${l.removed !== null ? `–${l.removed}` : ''}`;
        return (
          `<div class="lane" data-kind="${esc(l.kind)}" data-effective="${esc(shortMode(l.segments[l.segments.length - 1]!.effective))}"><span class="lane-label" title="${esc(label)}">${esc(label)}</span>` +
          `<span class="lane-track">${bars.join('')}</span><span class="lane-step">${esc(life)}</span></div>`
        );
      });
    return `<div class="pfn-lanes"><div class="pfn-head">${head}</div><div class="lane lane-axis"><span class="lane-label"></span><span class="lane-track">${ticks.join('')}</span><span class="lane-step"></span></div>${lanes.join('')}</div>`;
  });
  return blocks.join('');
}

/** Kernel messages shown per step, and rows per findings list: enough to read, bounded for 10^5-page scenarios. */
const MAX_MESSAGES = 40;
const MAX_ROWS = 25;

function byStep<T>(xs: readonly T[], step: (x: T) => number): Map<number, T[]> {
  const m = new Map<number, T[]>();
  for (const x of xs) (m.get(step(x)) ?? m.set(step(x), []).get(step(x))!).push(x);
  return m;
}

function timelineHtml(p: PolicyResult): string {
  const d = p.detail!;
  const downByStep = byStep(p.changes, (g) => g.step);
  const aliasByStep = byStep(p.aliases, (a) => a.from);
  const warnByStep = byStep(p.warns, (w) => w.step);
  const created = new Map<number, string[]>();
  for (const fl of d.lanes) for (const l of fl.mappings) if (l.created) (created.get(l.created) ?? created.set(l.created, []).get(l.created)!).push(`${l.kind} of ${hex(fl.pfn)}`);
  const items = d.steps.map((st) => {
    const badges: string[] = [];
    // One badge per kind of finding and step, with its page count: a 10^5-page fault is one line, not 10^5 badges.
    const dgs = new Map<string, { n: number; first: number; call: string }>();
    for (const g of downByStep.get(st.index) ?? []) {
      const key = `${shortMode(g.requested)}→${shortMode(g.installed)}`;
      const x = dgs.get(key) ?? dgs.set(key, { n: 0, first: g.pfn, call: g.call }).get(key)!;
      x.n += g.npages;
    }
    for (const [key, x] of dgs) badges.push(`<span class="badge b-downgrade" title="${esc(x.call)}, first pfn ${hex(x.first)}">downgrade ${esc(key)}${x.n > 1 ? ` ×${x.n} pages` : ''}</span>`);
    const als = new Map<string, { n: number; first: number }>();
    for (const a of aliasByStep.get(st.index) ?? []) {
      const key = `${a.severity} alias ${a.modes.join('+')}`;
      const x = als.get(key) ?? als.set(key, { n: 0, first: a.pfn }).get(key)!;
      x.n += a.npages;
    }
    for (const [key, x] of als) badges.push(`<span class="badge b-${esc(key.split(' ')[0]!)}">${esc(key)} @${hex(x.first)}${x.n > 1 ? ` ×${x.n} pages` : ''}</span>`);
    if (created.has(st.index)) badges.push(`<span class="badge b-map">maps ${esc([...new Set(created.get(st.index))].join(', '))}</span>`);
    const nWarn = warnByStep.get(st.index)?.length ?? 0;
    if (nWarn) badges.push(`<span class="badge b-warn">${plural(nWarn, 'WARN')}</span>`);
    if (p.fatal && p.fatal.step === st.index) badges.push(`<span class="badge b-fatal">FATAL ${esc(p.fatal.what)}</span>`);
    const args = Object.entries(st.args).map(([k, v]) => `${k}: ${v}`).join(', ');
    const shown = st.messages.slice(0, MAX_MESSAGES);
    const more = st.messages.length - shown.length;
    const msgs = st.messages.length ? `<pre class="msgs">${shown.map(esc).join('\n')}${more > 0 ? `\n… ${more} more messages (patlab run prints them all)` : ''}</pre>` : '';
    return `<li data-step="${st.index}"><code><span class="step-n">[${st.index}]</span> ${esc(st.call)}(${esc(args)})${st.ret !== null ? ' = ' + esc(st.ret) : ''}</code> ${badges.join(' ')}${msgs}</li>`;
  });
  return `<ol class="timeline">${items.join('')}</ol>`;
}

/**
 * A design's lanes or step list, or a pointer to the first design that had
 * exactly the same: most designs share most of a scenario's history, and a
 * suite report repeating it fifteen times is megabytes nobody reads.
 */
function sharedOnce(seen: Map<string, string>, policy: string, html: string): string {
  const first = seen.get(html);
  if (first !== undefined) return `<p class="muted same-as" data-same-as="${esc(first)}">The same as under <b>${esc(first)}</b>.</p>`;
  seen.set(html, policy);
  return html;
}

function policyDetailHtml(p: PolicyResult, open: boolean, seenLanes: Map<string, string>, seenSteps: Map<string, string>): string {
  const t = p.totals;
  const bits = [
    p.outcome === 'fatal' ? `<span class="bad">FATAL at step ${p.fatal?.step}</span>` : '<span class="ok">ok</span>',
    t.aliased_pages ? `<span class="${t.aliased_pages_high ? 'bad' : 'warn'}">${plural(t.aliased_pages, 'aliased page')} (${t.aliased_pages_high} high)</span>` : 'no alias',
    t.changed_pages ? `<span class="warn">${plural(t.changed_pages, 'page')} changed</span>` : 'no change',
    t.hazard_pages ? `<span class="warn">${plural(t.hazard_pages, 'hazard page')}</span>` : '',
    p.warns.length ? `<span class="warn">${plural(p.warns.length, 'WARN')}</span>` : '',
  ].filter(Boolean);
  const moreRow = (n: number, cols: number, what: string): string => (n > 0 ? `<tr><td colspan="${cols}" class="muted">… ${n} more ${what} (--format json lists them all)</td></tr>` : '');
  const dg = p.changes.length
    ? `<div class="scroll-x"><table class="small"><tr><th>step</th><th>call</th><th>pfn</th><th>pages</th><th>requested</th><th>installed</th><th>class</th></tr>${p.changes
        .slice(0, MAX_ROWS)
        .map((g) => `<tr><td>${g.step}</td><td>${esc(g.call)}</td><td>${hex(g.pfn)}</td><td>${g.npages}</td><td>${chip(g.requested)}</td><td>${chip(g.installed)}</td><td>${esc(g.class)}</td></tr>`)
        .join('')}${moreRow(p.changes.length - MAX_ROWS, 7, 'downgrades')}</table></div>`
    : '';
  const moreLi = (n: number, what: string): string => (n > 0 ? `<li class="muted">… ${n} more ${what} (--format json lists them all)</li>` : '');
  const hz = p.hazards.length ? `<ul>${p.hazards.slice(0, MAX_ROWS).map((h) => `<li>${esc(h.kind)} at ${hex(h.pfn)} (${plural(h.npages, 'page')}${h.step !== undefined ? ', step ' + h.step : ''}): ${esc(h.detail)}</li>`).join('')}${moreLi(p.hazards.length - MAX_ROWS, 'hazards')}</ul>` : '';
  const warns = p.warns.length
    ? `<pre class="msgs">${p.warns.slice(0, MAX_ROWS).map((w) => `[${w.step}] ${esc(w.text)}`).join('\n')}${p.warns.length > MAX_ROWS ? `\n… ${p.warns.length - MAX_ROWS} more WARNs` : ''}</pre>`
    : '';
  const fatal = p.fatal ? `<p class="bad">FATAL at step ${p.fatal.step}: ${esc(p.fatal.what)} in ${esc(p.fatal.where)}</p><pre class="msgs">${esc(p.fatal.text)}</pre>` : '';
  return (
    `<details class="policy" data-policy="${esc(p.policy)}"${open ? ' open' : ''}><summary><b>${esc(p.policy)}</b> — ${bits.join(' · ')}</summary>` +
    fatal +
    `<h4>Flagged pfns: every mapping as a lane (from the step that created it)</h4>${sharedOnce(seenLanes, p.policy, lanesHtml(p))}` +
    (dg ? `<h4>Silent mode changes</h4>${dg}` : '') +
    (hz ? `<h4>Refcount hazards</h4>${hz}` : '') +
    (warns ? `<h4>WARNs</h4>${warns}` : '') +
    `<h4>Steps and kernel messages</h4>${sharedOnce(seenSteps, p.policy, timelineHtml(p))}</details>`
  );
}

/**
 * One scenario's section; `charts` are the cost charts already rendered
 * (charts.ts). `verdict: false` leaves out the scenario's own verdict table
 * where the report's opening verdict is already exactly it (one scenario).
 */
export function scenarioSectionHtml(s: ScenarioComparison, charts: readonly ChartSvg[], opts: { verdict?: boolean; explore?: ExploreCitation } = {}): string {
  const ranPs = s.policies.filter((p) => p.detail);
  // Open the designs a reader needs first: the baseline and any that alias or fail.
  const openFirst = (p: PolicyResult, i: number): boolean => i === 0 || p.outcome === 'fatal' || p.aliases.some((a) => a.severity === 'high');
  const chartHtml = charts.length
    ? `<div class="charts">${charts.map((c) => `<figure class="chart" data-scale="${esc(c.scale)}" data-title="${esc(c.title)}">${c.svg}</figure>`).join('')}</div>`
    : '<p class="muted">Every cost counter is zero under every design.</p>';
  return (
    `<section class="scenario" id="sc-${slug(s.name)}" data-scenario="${esc(s.name)}">` +
    `<h2>${esc(s.name)}</h2>` +
    (s.description ? `<p class="desc">${esc(s.description)}</p>` : '') +
    factsHtml(s) +
    (opts.verdict === false ? '' : verdictHtml([s], opts.explore)) +
    '<h3>Comparison</h3>' +
    '<p class="hint">Mapping columns show the <em>effective</em> memory type (what the CPU does); <span class="req bad">req XX</span> marks a mapping that asked for another mode. Aliased, changed and hazard count distinct pages (docs/checks.md). T/C/F/R are the debate\'s costs (docs/costs.md). Hover a cell for details.</p>' +
    tableHtml(s) +
    '<h3>Costs</h3>' +
    chartHtml +
    '<h3>Physical memory</h3>' +
    legendHtml() +
    stripSectionHtml(s) +
    '<h3>Per design: flagged pfns and steps</h3>' +
    ((seenLanes, seenSteps) => ranPs.map((p, i) => policyDetailHtml(p, openFirst(p, i), seenLanes, seenSteps)).join(''))(new Map<string, string>(), new Map<string, string>()) +
    '</section>'
  );
}

