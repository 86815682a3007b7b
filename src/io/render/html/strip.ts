/**
 * The physical-memory strip: per design, rows over the pfn range (RAM page
 * flags, memtype tree entries, flagged pfns) coloured by memtype.
 *
 * A 64 GiB machine has 16 M pfns and a TTM scenario scatters single WC pages
 * over them, so the strip never draws pfns: it draws a fixed number of bins
 * over the visible window, each coloured by the most notable thing in it (an
 * alias before a UC page before a WC page before plain WB), with the exact
 * page counts in the tooltip. Zooming narrows the window, down to single pages.
 *
 * `stripHtml` and `installStrips` are self-contained on purpose (no imports,
 * no outer variables): the HTML report embeds their source text
 * (`Function.prototype.toString`) as its inline script, so the report zooms
 * with exactly the code that drew it, and the interactive page calls them
 * directly.
 */

import type { PolicyResult, ScenarioComparison } from '../../../run/result.js';
import { modeColour, SEVERITY_COLOURS, shortMode } from './modes.js';

/** A row: an index into {@link StripData.segs}. */
export interface StripRow {
  label: string;
  s: number;
}

export interface StripData {
  lo: number;
  hi: number;
  /** Category name and colour, most notable first: a bin shows the first category present in it. */
  cats: [string, string][];
  /**
   * Distinct rows' segments, flattened `[start, end, category, pages, ...]`
   * in pfns, sorted by start: `pages` of `category` lie in [start, end).
   * Exact data has pages = end - start. Designs often share a row exactly
   * (the same page flags), so each is stored once.
   */
  segs: number[][];
  /**
   * Pages per cell: 1 when every page is kept. A row set too large to embed
   * (a 10^5-page scenario scattered over 64 GiB) is kept per aligned cell of
   * `unit` pages, each cell with its exact page count per category; windows
   * and bins are then whole cells, so every count shown stays exact.
   */
  unit: number;
  policies: { policy: string; rows: StripRow[] }[];
  /** Quick-zoom targets (flagged pfns and non-default runs). */
  marks: { lo: number; hi: number; text: string }[];
}

const CATS: [string, string][] = [
  ['alias high', SEVERITY_COLOURS['high']!],
  ['alias medium', SEVERITY_COLOURS['medium']!],
  ['downgrade', '#6a3d9a'],
  ['hazard', '#b15928'],
  ['UC', modeColour('UC')],
  ['UC-', modeColour('UC-')],
  ['WC', modeColour('WC')],
  ['WT', modeColour('WT')],
  ['WP', modeColour('WP')],
  ['WB', modeColour('WB')],
];
const CAT_INDEX = new Map(CATS.map(([n], i) => [n, i]));

function catOf(mode: string): number {
  return CAT_INDEX.get(shortMode(mode)) ?? CAT_INDEX.get('UC')!;
}

/** Memtype tree entries are byte addresses (memtype_reserve's start/end); the strip is in pfns. */
function treeToPfns(t: { start: number; end: number; type: string }): { start: number; end: number; type: string } {
  return { start: Math.floor(t.start / 4096), end: Math.ceil(t.end / 4096), type: t.type };
}

/** RAM ranges as WB with the non-WB page-flag runs carved out, so no pfn is counted twice. */
function pageFlagSegs(ram: readonly { start: number; end: number }[], runs: readonly { start: number; end: number; type: string }[]): number[] {
  const sorted = [...runs].sort((a, b) => a.start - b.start);
  const out: number[] = [];
  let first = 0; // runs are sorted and disjoint: skip those wholly before the current range
  for (const r of [...ram].sort((a, b) => a.start - b.start)) {
    let at = r.start;
    while (first < sorted.length && sorted[first]!.end <= r.start) first++;
    for (let i = first; i < sorted.length && sorted[i]!.start < r.end; i++) {
      const x = sorted[i]!;
      if (x.end <= at) continue;
      if (x.start > at) out.push(at, x.start, catOf('WB'));
      out.push(Math.max(x.start, at), Math.min(x.end, r.end), catOf(x.type));
      at = Math.min(x.end, r.end);
    }
    if (at < r.end) out.push(at, r.end, catOf('WB'));
  }
  return out;
}

function sortSegs(segs: number[]): number[] {
  const triples: [number, number, number][] = [];
  for (let i = 0; i < segs.length; i += 3) triples.push([segs[i]!, segs[i + 1]!, segs[i + 2]!]);
  triples.sort((a, b) => a[0] - b[0] || a[2] - b[2]);
  return triples.flat();
}

function policyRows(s: ScenarioComparison, p: PolicyResult, intern: (segs: number[]) => number): StripRow[] {
  const d = p.detail!;
  const rows: StripRow[] = [{ label: 'page flags', s: intern(pageFlagSegs(s.ram, d.pageMemtype)) }];
  if (d.tree.length) rows.push({ label: 'memtype tree', s: intern(sortSegs(d.tree.map(treeToPfns).flatMap((t) => [t.start, t.end, catOf(t.type)]))) });
  const flagged: number[] = [];
  for (const a of p.aliases) flagged.push(a.pfn, a.pfn + a.npages, CAT_INDEX.get(`alias ${a.severity}`)!);
  for (const g of p.changes) flagged.push(g.pfn, g.pfn + g.npages, CAT_INDEX.get('downgrade')!);
  for (const h of p.hazards) flagged.push(h.pfn, h.pfn + h.npages, CAT_INDEX.get('hazard')!);
  if (flagged.length) rows.push({ label: 'flagged', s: intern(sortSegs(flagged)) });
  return rows;
}

/** Segments embedded per scenario at most (all rows together), about 1.2 MB of JSON: beyond it the strip keeps cells. */
export const STRIP_BUDGET = 50_000;

/**
 * Triples `[start, end, cat]` → quadruples `[start, end, cat, pages]`,
 * exact when they fit `budget`; otherwise per aligned cell of the smallest
 * power-of-two `unit` that fits, each cell with the pages of each category in
 * it, runs of full cells of one category merged.
 */
export function fitSegments(triples: readonly number[][], budget: number): { unit: number; rows: number[][] } {
  const exact = (t: readonly number[]): number[] => {
    const out: number[] = [];
    for (let i = 0; i < t.length; i += 3) {
      const at = out.length - 4;
      // Touching runs of one category are one run to the strip (it counts pages, not tree entries).
      if (at >= 0 && out[at + 1] === t[i] && out[at + 2] === t[i + 2]) {
        out[at + 1] = t[i + 1]!;
        out[at + 3]! += t[i + 1]! - t[i]!;
      } else out.push(t[i]!, t[i + 1]!, t[i + 2]!, t[i + 1]! - t[i]!);
    }
    return out;
  };
  const size = (rows: number[][]): number => rows.reduce((n, r) => n + r.length / 4, 0);
  let rows = triples.map(exact);
  let unit = 1;
  let top = 1;
  for (const t of triples) for (let i = 1; i < t.length; i += 3) top = Math.max(top, t[i]!);
  // Once one cell holds everything, a larger one cannot hold less: stop there.
  while (size(rows) > budget && unit < top) {
    unit *= 2;
    rows = triples.map((t) => cells(t, unit));
  }
  return { unit, rows };
}

function cells(t: readonly number[], unit: number): number[] {
  // Whole cells a segment covers stay one run; the partial cells at its ends
  // are summed per cell and category (a Map: cells are sparse over 16 M pfns).
  const quads: number[][] = [];
  const partial = new Map<string, number[]>();
  const part = (cell: number, c: number, n: number): void => {
    if (n <= 0) return;
    const key = `${cell}:${c}`;
    const q = partial.get(key);
    if (q) q[3]! += n;
    else {
      const nq = [cell * unit, cell * unit + unit, c, n];
      partial.set(key, nq);
      quads.push(nq);
    }
  };
  for (let i = 0; i < t.length; i += 3) {
    const s = t[i]!;
    const e = t[i + 1]!;
    const c = t[i + 2]!;
    const a = Math.ceil(s / unit) * unit;
    const b = Math.floor(e / unit) * unit;
    if (a >= b) {
      // Within one cell, or across the boundary of two.
      const first = Math.floor(s / unit);
      part(first, c, Math.min(e, first * unit + unit) - s);
      if (Math.floor((e - 1) / unit) !== first) part(first + 1, c, e - (first + 1) * unit);
      continue;
    }
    part(Math.floor(s / unit), c, a - s);
    quads.push([a, b, c, b - a]);
    part(b / unit, c, e - b);
  }
  quads.sort((x, y) => x[0]! - y[0]! || x[2]! - y[2]! || x[1]! - y[1]!);
  const out: number[] = [];
  for (const q of quads) {
    const at = out.length - 4;
    const full = q[3] === q[1]! - q[0]!;
    // Full runs of one category that touch merge: they split exactly anywhere.
    if (full && at >= 0 && out[at + 1] === q[0] && out[at + 2] === q[2] && out[at + 3] === out[at + 1]! - out[at]!) {
      out[at + 1] = q[1]!;
      out[at + 3]! += q[3]!;
    } else out.push(q[0]!, q[1]!, q[2]!, q[3]!);
  }
  return out;
}

/** The strip's data for one scenario: every design that ran, over one shared pfn range. */
export function stripData(s: ScenarioComparison): StripData {
  const ran = s.policies.filter((p) => p.detail);
  let hi = Math.max(1, s.maxPfn);
  const marks = new Map<string, { lo: number; hi: number; text: string }>();
  const mark = (lo: number, n: number, text: string): void => {
    const key = `${lo}:${n}`;
    if (!marks.has(key)) marks.set(key, { lo, hi: lo + n, text });
  };
  for (const p of ran) {
    for (const t of p.detail!.tree.map(treeToPfns)) hi = Math.max(hi, t.end);
    for (const a of p.aliases) {
      hi = Math.max(hi, a.pfn + a.npages);
      mark(a.pfn, a.npages, `${a.severity} alias`);
    }
    for (const g of p.changes) mark(g.pfn, g.npages, `downgrade ${shortMode(g.requested)}→${shortMode(g.installed)}`);
    for (const r of p.detail!.pageMemtype) mark(r.start, r.end - r.start, `${shortMode(r.type)} pages`);
  }
  // Per-page findings (a downgrade per pfn) become one target per run of adjacent pfns with the same text.
  const merged: { lo: number; hi: number; text: string }[] = [];
  for (const m of [...marks.values()].sort((a, b) => a.text.localeCompare(b.text) || a.lo - b.lo)) {
    const last = merged[merged.length - 1];
    if (last && last.text === m.text && m.lo <= last.hi) last.hi = Math.max(last.hi, m.hi);
    else merged.push({ ...m });
  }
  const segs: number[][] = [];
  const seen = new Map<string, number>();
  const intern = (x: number[]): number => {
    const key = x.join(',');
    let i = seen.get(key);
    if (i === undefined) {
      i = segs.push(x) - 1;
      seen.set(key, i);
    }
    return i;
  };
  const policies = ran.map((p) => ({ policy: p.policy, rows: policyRows(s, p, intern) }));
  const { unit, rows } = fitSegments(segs, STRIP_BUDGET);
  return {
    lo: 0,
    hi: Math.ceil(hi / unit) * unit,
    cats: CATS,
    segs: rows,
    unit,
    policies,
    // The first few, in pfn order: enough to jump to every place a small scenario touches.
    marks: merged.sort((a, b) => a.lo - b.lo || a.hi - b.hi || a.text.localeCompare(b.text)).slice(0, 12),
  };
}

/**
 * HTML of the strip over the window [lo, hi) of pfns: an address axis and,
 * per design, one bar per row. Self-contained (see the file comment).
 */
export function stripHtml(d: StripData, lo: number, hi: number): string {
  const e = (x: string): string => x.replace(/[&<>"]/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' })[c] as string);
  // Whole cells per bin, so every tooltip's page counts are exact: at most
  // 400 bins, one cell (a page when unit is 1) per bin once the window is narrow.
  const u = d.unit || 1;
  lo = Math.floor(lo / u) * u;
  hi = Math.ceil(hi / u) * u;
  const span = Math.max(u, hi - lo);
  const binW = Math.ceil(span / 400 / u) * u;
  const BINS = Math.ceil(span / binW);
  const xOf = (b: number): number => (Math.min(b * binW, span) / span) * 1000;
  const GiB = 262144; // pfns per GiB
  const addr = (pfn: number): string => {
    if (span >= 4 * GiB) return (pfn / GiB).toFixed(pfn % GiB === 0 ? 0 : 1) + ' GiB';
    if (span >= 1024) return (pfn / 256).toFixed(pfn % 256 === 0 ? 0 : 1) + ' MiB';
    return '0x' + (pfn * 4096).toString(16);
  };
  const pages = (n: number): string => (n === 1 ? '1 page' : `${n} pages`);
  // Axis: ticks at a power-of-two step giving 4 to 8 ticks.
  let step = 1;
  while (span / step > 8) step *= 2;
  let axis = '';
  for (let t = Math.ceil(lo / step) * step; t <= hi; t += step) {
    const x = ((t - lo) / span) * 100;
    axis += `<span class="tick" style="left:${x.toFixed(3)}%">${e(addr(t))}</span>`;
  }
  let body = '';
  for (const p of d.policies) {
    body += `<div class="strip-policy"><div class="strip-name">${e(p.policy)}</div>`;
    for (const row of p.rows) {
      // Per bin, the pages of each category inside the window.
      const counts: number[][] = [];
      const segs = d.segs[row.s] as number[];
      for (let i = 0; i < segs.length; i += 4) {
        const s = Math.max(segs[i] as number, lo);
        const t = Math.min(segs[i + 1] as number, hi);
        if (t <= s) continue;
        const c = segs[i + 2] as number;
        // A full segment splits exactly; a partial one is a single cell, never split (bins are whole cells).
        const full = (segs[i + 3] as number) === (segs[i + 1] as number) - (segs[i] as number);
        const b0 = Math.floor((s - lo) / binW);
        const b1 = Math.floor((t - 1 - lo) / binW);
        for (let b = b0; b <= b1; b++) {
          const bs = Math.max(s, lo + b * binW);
          const be = Math.min(t, lo + (b + 1) * binW);
          if (be <= bs) continue;
          const row2 = counts[b] ?? (counts[b] = []);
          row2[c] = (row2[c] ?? 0) + (full ? be - bs : (segs[i + 3] as number));
        }
      }
      const winner = (b: number): number => {
        const c = counts[b];
        if (!c) return -1;
        for (let k = 0; k < c.length; k++) if ((c[k] ?? 0) > 0) return k;
        return -1;
      };
      let rects = '';
      for (let b = 0; b < BINS; ) {
        const w = winner(b);
        let b2 = b + 1;
        while (b2 < BINS && winner(b2) === w) b2++;
        if (w >= 0) {
          const tot: number[] = [];
          for (let k = b; k < b2; k++) (counts[k] ?? []).forEach((v, c) => (tot[c] = (tot[c] ?? 0) + (v ?? 0)));
          const what = tot.map((v, c) => (v ? `${d.cats[c]![0]}: ${pages(v)}` : '')).filter(Boolean).join(', ');
          const from = lo + b * binW;
          const to = Math.min(hi, lo + b2 * binW);
          const title = `${p.policy} ${row.label}, pfn 0x${from.toString(16)}–0x${(to - 1).toString(16)}: ${what}`;
          const x = xOf(b);
          rects += `<rect x="${+x.toFixed(3)}" width="${+(xOf(b2) - x).toFixed(3)}" height="10" fill="${d.cats[w]![1]}"><title>${e(title)}</title></rect>`;
        }
        b = b2;
      }
      body +=
        `<div class="strip-row"><span class="strip-label">${e(row.label)}</span>` +
        `<svg class="strip-bars" viewBox="0 0 1000 10" preserveAspectRatio="none" role="img" aria-label="${e(p.policy + ' ' + row.label)}">${rects}</svg></div>`;
    }
    body += '</div>';
  }
  const win = `pfn 0x${lo.toString(16)}–0x${hi.toString(16)} (${addr(lo)} – ${addr(hi)}, ${pages(span)}, ${binW > 1 ? binW + ' pages per bin' : 'page resolution'}${u > 1 ? `; this view keeps ${u}-page cells, patlab compare --format json has every page` : ''})`;
  return `<div class="strip-window">${e(win)}</div><div class="strip-axis">${axis}</div>${body}`;
}

/**
 * Wire every `.strip` under `root`: draw it from its JSON, drag across a bar
 * to zoom into that range, click to zoom 8× around a point, buttons for
 * zoom out / reset / the quick targets. Self-contained (see the file comment).
 */
export function installStrips(root: ParentNodeLike, render: (d: StripData, lo: number, hi: number) => string): void {
  root.querySelectorAll('.strip').forEach((el) => {
    if (el.getAttribute('data-wired')) return;
    el.setAttribute('data-wired', '1');
    const src = el.querySelector('script[type="application/json"]');
    const view = el.querySelector('.strip-view');
    if (!src || !view) return;
    const d = JSON.parse(src.textContent || '{}') as StripData;
    let lo = d.lo;
    let hi = d.hi;
    const draw = (): void => {
      view.innerHTML = render(d, lo, hi);
      el.setAttribute('data-window', `${Math.floor(lo)}-${Math.ceil(hi)}`);
    };
    const zoomTo = (a: number, b: number): void => {
      const min = 16 * (d.unit || 1); // never narrower than 16 cells: single cells are already one bin each
      if (b - a < min) {
        const c = (a + b) / 2;
        a = c - min / 2;
        b = c + min / 2;
      }
      lo = Math.max(d.lo, Math.floor(a));
      hi = Math.min(d.hi, Math.ceil(b));
      draw();
    };
    const pfnAt = (ev: { clientX: number }, bar: ElementLike): number => {
      const r = bar.getBoundingClientRect();
      return lo + ((ev.clientX - r.left) / Math.max(1, r.width)) * (hi - lo);
    };
    let dragFrom: number | null = null;
    el.addEventListener('pointerdown', (ev) => {
      const bar = (ev.target as ElementLike).closest?.('.strip-bars');
      if (!bar) return;
      dragFrom = pfnAt(ev, bar);
    });
    el.addEventListener('pointerup', (ev) => {
      const bar = (ev.target as ElementLike).closest?.('.strip-bars');
      if (!bar || dragFrom === null) return;
      const to = pfnAt(ev, bar);
      const a = Math.min(dragFrom, to);
      const b = Math.max(dragFrom, to);
      dragFrom = null;
      if (b - a > (hi - lo) / 200) zoomTo(a, b);
      else zoomTo(to - (hi - lo) / 16, to + (hi - lo) / 16);
    });
    el.addEventListener('click', (ev) => {
      const btn = (ev.target as ElementLike).closest?.('button[data-zoom]');
      if (!btn) return;
      const z = btn.getAttribute('data-zoom') || '';
      if (z === 'reset') zoomTo(d.lo, d.hi);
      else if (z === 'out') {
        const c = (lo + hi) / 2;
        const w = (hi - lo) * 4;
        zoomTo(Math.max(d.lo, c - w / 2), Math.min(d.hi, c + w / 2));
      } else {
        const [a, b] = z.split('-').map(Number) as [number, number];
        const pad = Math.max(8, (b - a) * 2);
        zoomTo(a - pad, b + pad);
      }
    });
    draw();
  });
}

/** The little of the DOM `installStrips` uses, so this module needs no DOM typings. */
export interface ElementLike {
  getAttribute(n: string): string | null;
  setAttribute(n: string, v: string): void;
  querySelector(sel: string): ElementLike | null;
  closest?(sel: string): ElementLike | null;
  addEventListener(type: string, f: (ev: EventLike) => void): void;
  getBoundingClientRect(): { left: number; width: number };
  innerHTML: string;
  textContent: string | null;
}
export interface EventLike {
  target: unknown;
  clientX: number;
}
export interface ParentNodeLike {
  querySelectorAll(sel: string): { forEach(f: (el: ElementLike) => void): void };
}
