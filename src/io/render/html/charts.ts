/**
 * Cost charts: one Vega-Lite bar chart per cost counter (docs/costs.md), one
 * bar per design, compiled to SVG by Vega's headless renderer. The report
 * (Node) and the interactive page (browser) call the same functions, so a
 * chart is the same SVG text in both.
 */

import * as vega from 'vega';
import { compile, type TopLevelSpec } from 'vega-lite';
import type { ScenarioComparison } from '../../../run/result.js';

export interface CostMeasure {
  key: string;
  title: string;
  /** Which of the debate's cost letters (spec 06 §3) it belongs to. */
  group: 'T' | 'C' | 'F' | 'R' | 'walk';
  value: (c: Readonly<Record<string, number>>) => number;
}

const get = (c: Readonly<Record<string, number>>, k: string): number => c[k] ?? 0;

/** The counters charted, in the debate's T/C/F/R order. */
export const COST_MEASURES: readonly CostMeasure[] = [
  { key: 'treeEntriesPeak', title: 'T: memtype tree entries (peak)', group: 'T', value: (c) => get(c, 'treeEntriesPeak') },
  { key: 'cpaCalls', title: 'C: change_page_attr calls', group: 'C', value: (c) => get(c, 'cpaCalls') },
  { key: 'split2M', title: 'C: direct-map large-page splits', group: 'C', value: (c) => get(c, 'split2M') + get(c, 'split1G') },
  { key: 'tlbFlushes', title: 'F: TLB flush operations', group: 'F', value: (c) => get(c, 'tlbFlushAll') + get(c, 'tlbFlushRounds') },
  { key: 'tlbShootdownIpis', title: 'F: shootdown IPIs', group: 'F', value: (c) => get(c, 'tlbShootdownIpis') },
  { key: 'clflushLines', title: 'F: cache lines flushed', group: 'F', value: (c) => get(c, 'clflushLines') },
  { key: 'wbinvd', title: 'F: WBINVD executions', group: 'F', value: (c) => get(c, 'wbinvd') },
  { key: 'refOps', title: 'R: refcount + mapcount operations', group: 'R', value: (c) => get(c, 'refcountOps') + get(c, 'mapcountOps') },
  { key: 'ptWalks', title: 'user page-table walks', group: 'walk', value: (c) => get(c, 'ptWalks') },
];

const GROUP_COLOUR: Readonly<Record<CostMeasure['group'], string>> = { T: '#756bb1', C: '#e6550d', F: '#3182bd', R: '#31a354', walk: '#636363' };

/**
 * Counts that span two decades or more go on a symmetric log scale: a linear
 * axis would flatten 20 CPA calls next to 20 000 clflushed lines to nothing,
 * and symlog (unlike log) can still draw a zero.
 */
export function scaleTypeFor(values: readonly number[]): 'linear' | 'symlog' {
  const pos = values.filter((v) => v > 0);
  if (pos.length < 2) return 'linear';
  return Math.max(...pos) / Math.min(...pos) >= 100 ? 'symlog' : 'linear';
}

export interface CostChart {
  measure: CostMeasure;
  scale: 'linear' | 'symlog';
  spec: TopLevelSpec;
}

/** One chart per counter on which the designs differ; designs that did not run are left out. */
export function costChartSpecs(s: ScenarioComparison): CostChart[] {
  const ran = s.policies.filter((p) => p.outcome === 'ok' || p.outcome === 'fatal');
  const out: CostChart[] = [];
  for (const m of COST_MEASURES) {
    const values = ran.map((p) => ({ policy: p.policy, count: m.value(p.costs) }));
    // A counter every design shares says nothing about the designs: the verdict table has its value.
    if (!values.some((v) => v.count > 0) || values.every((v) => v.count === values[0]!.count)) continue;
    const scale = scaleTypeFor(values.map((v) => v.count));
    const spec: TopLevelSpec = {
      $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
      title: { text: m.title, anchor: 'start', fontSize: 12 },
      width: 240,
      height: { step: 14 },
      background: 'white',
      data: { values },
      encoding: {
        y: { field: 'policy', type: 'nominal', sort: null, title: null, axis: { labelLimit: 170 } },
        x: {
          field: 'count',
          type: 'quantitative',
          title: scale === 'symlog' ? 'count (symlog scale)' : 'count',
          scale: { type: scale },
          axis: { tickCount: 4, format: '~s' },
        },
      },
      layer: [
        { mark: { type: 'bar', color: GROUP_COLOUR[m.group] } },
        { mark: { type: 'text', align: 'left', dx: 3, fontSize: 10 }, encoding: { text: { field: 'count', type: 'quantitative', format: ',' } } },
      ],
      // No ARIA groups or grid lines: they double a chart's bytes and the bars carry their numbers.
      config: { view: { stroke: null }, font: 'sans-serif', aria: false, axis: { grid: false } },
    };
    out.push({ measure: m, scale, spec });
  }
  return out;
}

let metricsFixed = false;

/**
 * Vega-Lite spec → SVG text. Text widths are always estimated (never measured
 * on a canvas): Node has no canvas and the browser does, and measuring would
 * make the two SVGs differ.
 */
export async function vegaLiteToSvg(spec: TopLevelSpec): Promise<string> {
  if (!metricsFixed) {
    // vega-scenegraph exports textMetrics; vega's typings do not declare it.
    (vega as unknown as { textMetrics: { canvas(use: boolean): void } }).textMetrics.canvas(false);
    metricsFixed = true;
  }
  const view = new vega.View(vega.parse(compile(spec).spec), { renderer: 'none' });
  try {
    return slim(await view.toSVG());
  } finally {
    view.finalize();
  }
}

/**
 * Vega's SVG repeats defaults on every element (opacity 1, the font the
 * report's CSS sets anyway, pointer-events on marks, hidden ARIA groups) and
 * writes 15 digits of positions: dropping those halves a chart without
 * changing a pixel that matters.
 */
function slim(svg: string): string {
  return svg
    .replace(/ (?:opacity="1"|font-family="sans-serif"|pointer-events="none"|aria-hidden="true"|stroke-miterlimit="4")/g, '')
    .replace(/ class="(?:mark-[a-z]+ role-[a-z-]+|background|foreground)"/g, '')
    .replace(/(\d+\.\d{2})\d+/g, '$1');
}

/** A rendered cost chart, as the views place it. */
export interface ChartSvg {
  title: string;
  scale: string;
  svg: string;
}

export async function costChartSvgs(s: ScenarioComparison): Promise<ChartSvg[]> {
  const out: ChartSvg[] = [];
  // One after another: the output order (and so the report) must not depend on timing.
  for (const c of costChartSpecs(s)) out.push({ title: c.measure.title, scale: c.scale, svg: await vegaLiteToSvg(c.spec) });
  return out;
}
