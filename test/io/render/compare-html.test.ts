/**
 * The HTML report: self-contained, deterministic, showing the comparison's
 * facts in the table, a memory strip that stays bounded on a 64 GiB machine
 * and zooms down to single pages, and charts whose scale follows the data.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { compareScenario } from '../../../src/run/compare.js';
import type { PolicyResult, ScenarioComparison } from '../../../src/run/result.js';
import { compareToHtml, reportScript } from '../../../src/io/render/compare-html.js';
import { costChartSpecs, costChartSvgs, scaleTypeFor } from '../../../src/io/render/html/charts.js';
import fc from '../../fc.js';
import { fitSegments, STRIP_BUDGET, stripData, stripHtml, type StripData } from '../../../src/io/render/html/strip.js';
import { loadScenarioFile } from '../../../src/io/scenario/load.js';
import { selectPolicies } from '../../../src/policy/registry.js';
import { REPO_ROOT } from '../../shared-dir.js';

const FIXTURE = join(REPO_ROOT, 'test', 'fixtures', 'web', 'ttm-highmem-wc.yaml');

function fixtureComparison(): ScenarioComparison {
  return compareScenario(loadScenarioFile(readFileSync(FIXTURE, 'utf8'), FIXTURE), selectPolicies('all'));
}

/** The `<tr>` of one design in the (first) scenario's comparison table, after the verdict tables. */
function row(html: string, policy: string): string {
  const at = html.indexOf('<h3>Comparison</h3>');
  assert.ok(at >= 0, 'no comparison table');
  const m = new RegExp(`<tr data-policy="${policy}">(.*?)</tr>`).exec(html.slice(at));
  assert.ok(m, `no table row for ${policy}`);
  return m[1]!;
}

function cell(rowHtml: string, mapping: string): string {
  const m = new RegExp(`<td data-mapping="${mapping}"[^>]*>.*?</td>`).exec(rowHtml);
  assert.ok(m, `no cell for ${mapping}`);
  return m[0];
}

describe('compare --format html', () => {
  const cmp = fixtureComparison();

  test('the table shows the reported problem: baseline WB where WC was asked, insert-honours-prot WC', async () => {
    const html = await compareToHtml([cmp]);
    const base = cell(row(html, 'baseline'), 'umap');
    assert.match(base, /data-effective="WB"/);
    assert.match(base, /data-requested="WC"/);
    assert.match(base, /req WC/);
    const fix = cell(row(html, 'insert-honours-prot'), 'umap');
    assert.match(fix, /data-effective="WC"/);
    assert.doesNotMatch(fix, /req /);
    // The kernel's WC vmap of the same pages is WC under both: the baseline's alias.
    assert.match(cell(row(html, 'baseline'), 'vmap'), /data-effective="WC"/);
    // 16 distinct pages (the 64 KiB BO), every one cacheable against uncached (docs/checks.md).
    assert.match(row(html, 'baseline'), /<td data-col="aliases" class="cell-high">16 \/ 16<\/td>/);
    assert.match(row(html, 'insert-honours-prot'), /<td data-col="aliases" class="">0 \/ 0<\/td>/);
    // The verdict comes first, with the bottom line computed from the same rows as the text.
    assert.ok(html.indexOf('class="cmp verdict-table"') < html.indexOf('<h3>Comparison</h3>'));
    const bottom = /<ul class="verdict bottom-line">(.*?)<\/ul>\n<\/section>/s.exec(html)?.[1] ?? '';
    assert.match(bottom, /No page mapped with conflicting types[^<]*insert-honours-prot/);
    assert.match(bottom, /<li><b>baseline<\/b>: 16 page\(s\) mapped cacheable and uncached at once/);
    // Every design's title is in the report.
    assert.match(html, /<dt>insert-honours-prot<\/dt><dd><i>[^<]+<\/i>: [^<]+<\/dd>/);
  });

  test('one self-contained file: no external resource, no network, a CSP that forbids fetching', async () => {
    const html = await compareToHtml([cmp]);
    assert.match(html, /^<!doctype html>/);
    assert.match(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none';/);
    assert.doesNotMatch(html, /<link\b/i);
    assert.doesNotMatch(html, /<script[^>]+\bsrc=/i);
    assert.doesNotMatch(html, /<img\b/i);
    assert.doesNotMatch(html, /(src|href)="(https?:)?\/\//i);
    assert.doesNotMatch(html, /@import|url\(\s*['"]?https?:/i);
    // Vega's SVG carries no xlink to anything outside the file.
    assert.doesNotMatch(html, /xlink:href="(?!#)/);
  });

  test('deterministic: the same comparison gives the same bytes, with no timestamp', async () => {
    const a = await compareToHtml([cmp]);
    const b = await compareToHtml([fixtureComparison()]);
    assert.equal(a, b);
    assert.doesNotMatch(a, /20\d\d-\d\d-\d\dT\d\d:/);
  });

  test('every section is there: strip, lanes for the flagged pfns, timeline with kernel messages, cost charts', async () => {
    const html = await compareToHtml([cmp]);
    assert.match(html, /<div class="strip" data-scenario="fixture-ttm-highmem-wc">/);
    const base = /<details class="policy" data-policy="baseline"[^>]*>(.*?)<\/details>/s.exec(html)?.[1] ?? '';
    // The flagged pfn's lanes: the user mapping created by the fault (step 4) downgraded WC→WB, TTM's WC vmap.
    assert.match(base, /<div class="lane" data-kind="user" data-effective="WB">.*?req WC → PTE WB → eff WB.*?step 4</s);
    assert.match(base, /<div class="lane" data-kind="vmap" data-effective="WC">/);
    assert.match(base, /<li data-step="4"><code><span class="step-n">\[4\]<\/span> ttm_bo_vm_fault\(/);
    assert.match(base, /badge b-downgrade[^>]*>downgrade WC→WB/);
    assert.match(html, /<figure class="chart" data-scale="linear" data-title="user page-table walks"><svg/);
  });

  test("the report's script is the strip code itself, and it runs without the rest of patlab", () => {
    const d = stripData(cmp);
    // Evaluate the inline script's function declarations in an empty scope (no imports, no DOM).
    const src = reportScript().replace('installStrips(document, stripHtml);', 'return stripHtml;');
    const standalone = new Function(src)() as typeof stripHtml;
    assert.equal(standalone(d, 0, 0x40000), stripHtml(d, 0, 0x40000));
    assert.doesNotMatch(reportScript(), /<\/script/i);
  });

  test('--format html -o FILE writes the report', () => {
    const dir = mkdtempSync(join(tmpdir(), 'patlab-html-'));
    try {
      const out = join(dir, 'report.html');
      const r = spawnSync(process.execPath, [join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js'), 'compare', FIXTURE, '--policies', 'baseline,insert-honours-prot', '--format', 'html', '-o', out], { encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      assert.equal(r.stdout, '');
      const html = readFileSync(out, 'utf8');
      assert.match(cell(row(html, 'baseline'), 'umap'), /data-effective="WB"/);
      assert.match(cell(row(html, 'insert-honours-prot'), 'umap'), /data-effective="WC"/);
      assert.doesNotMatch(html, /data-policy="skip-wb"/);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A 64 GiB machine (one RAM range) with `n` single WC pages scattered over it. */
function bigMachine(n: number): ScenarioComparison {
  const maxPfn = 64 * 262144;
  const runs = Array.from({ length: n }, (_, i) => {
    const pfn = 4096 + Math.floor((i * (maxPfn - 8192)) / n);
    return { start: pfn, end: pfn + 1, type: 'write-combining' };
  });
  const p: PolicyResult = {
    policy: 'baseline',
    outcome: 'ok',
    totals: { aliased_pages: 1, aliased_pages_high: 1, changed_pages: 0, changed_pages_weaker: 0, hazard_pages: 0, failed_calls: 0, fatal: false },
    mappings: [],
    aliases: [
      {
        pfn: runs[7]!.start,
        npages: 1,
        severity: 'high',
        modes: ['WB', 'WC'],
        mappings: [
          { life: 0, kind: 'user', owner: 'pid 1 (patlab)', type: 'WB' },
          { life: 1, kind: 'vmap', owner: 'vmap', type: 'WC' },
        ],
        from: 2,
        to: 3,
      },
    ],
    changes: [],
    errors: [],
    hazards: [],
    warns: [],
    costs: {},
    detail: { steps: [], tree: [{ start: 0xc0000000, end: 0xd0000000, type: 'write-combining' }], pageMemtype: runs, lanes: [] },
  };
  return { name: 'big', machine: 'm', kernel: 'mainline', ram: [{ start: 0, end: maxPfn }], maxPfn, policies: [p] };
}

function rects(html: string): { fill: string; title: string }[] {
  return [...html.matchAll(/<rect [^>]*fill="([^"]+)"><title>([^<]*)<\/title><\/rect>/g)].map((m) => ({ fill: m[1]!, title: m[2]! }));
}

describe('memory strip', () => {
  test('a 64 GiB machine with 20 000 scattered WC pages draws a bounded number of bins, none of the pages lost', () => {
    const d: StripData = stripData(bigMachine(20000));
    const html = stripHtml(d, d.lo, d.hi);
    const rs = rects(html);
    assert.ok(rs.length <= 3 * 400, `${rs.length} rects`);
    assert.ok(html.length < 400_000, `${html.length} bytes`);
    // The page-flag row's tooltips add up to every WC page and every RAM page.
    const flags = rs.filter((r) => r.title.startsWith('baseline page flags'));
    let wc = 0;
    let all = 0;
    for (const r of flags) {
      for (const m of r.title.matchAll(/(WC|WB): (\d+) pages?/g)) {
        all += Number(m[2]);
        if (m[1] === 'WC') wc += Number(m[2]);
      }
    }
    assert.equal(wc, 20000);
    assert.equal(all, 64 * 262144);
    // At the whole-machine view the scattered pages colour the row WC (the notable type wins its bin).
    assert.ok(flags.every((r) => r.fill === '#31a354'), 'every page-flag bin holds a WC page');
    assert.match(html, /64 GiB/);
  });

  test('zooming to 16 pages shows single pages exactly', () => {
    const d = stripData(bigMachine(20000));
    const pfn = 4096; // the first WC page
    const rs = rects(stripHtml(d, pfn - 8, pfn + 8)).filter((r) => r.title.startsWith('baseline page flags'));
    const wc = rs.filter((r) => r.fill === '#31a354');
    assert.equal(wc.length, 1);
    assert.match(wc[0]!.title, new RegExp(`pfn 0x${pfn.toString(16)}–0x${pfn.toString(16)}: WC: 1 page$`));
    assert.ok(rs.some((r) => r.fill === '#9ecae1' && /WB: 8 pages/.test(r.title)));
  });

  test('beyond the embedding budget the strip keeps cells, and every page count it shows is still exact', () => {
    const d = stripData(bigMachine(100_000));
    assert.ok(d.unit > 1, `unit ${d.unit}`);
    assert.ok(d.segs.reduce((n, r) => n + r.length / 4, 0) <= STRIP_BUDGET);
    const flags = rects(stripHtml(d, d.lo, d.hi)).filter((r) => r.title.startsWith('baseline page flags'));
    let wc = 0;
    let all = 0;
    for (const r of flags)
      for (const m of r.title.matchAll(/(WC|WB): (\d+) pages?/g)) {
        all += Number(m[2]);
        if (m[1] === 'WC') wc += Number(m[2]);
      }
    assert.equal(wc, 100_000);
    assert.equal(all, 64 * 262144);
    // The narrowest window is whole cells, and says so.
    const narrow = stripHtml(d, 4096, 4097);
    assert.match(narrow, new RegExp(`this view keeps ${d.unit}-page cells`));
  });

  test('property: cells keep each category\'s pages exactly, in every window of whole cells', () => {
    const seg = fc.tuple(fc.nat(5000), fc.integer({ min: 1, max: 300 }), fc.nat(3));
    fc.assert(
      fc.property(fc.array(seg, { minLength: 1, maxLength: 60 }), fc.nat(5000), fc.integer({ min: 1, max: 3000 }), (xs, w0, wl) => {
        const triples = xs.map(([s, n, c]) => [s, s + n, c]).sort((a, b) => a[0]! - b[0]!).flat();
        const budget = Math.max(1, Math.floor(xs.length / 2));
        const { unit: u, rows } = fitSegments([triples], budget);
        assert.ok(rows[0]!.length / 4 <= budget || u >= Math.max(...triples.filter((_, i) => i % 3 === 1)), 'over budget only when one cell holds everything');
        const lo = Math.floor(w0 / u) * u;
        const hi = lo + Math.ceil(wl / u) * u;
        const want = [0, 0, 0, 0];
        for (let i = 0; i < triples.length; i += 3) want[triples[i + 2]!]! += Math.max(0, Math.min(triples[i + 1]!, hi) - Math.max(triples[i]!, lo));
        const got = [0, 0, 0, 0];
        const q = rows[0]!;
        for (let i = 0; i < q.length; i += 4) {
          const ov = Math.max(0, Math.min(q[i + 1]!, hi) - Math.max(q[i]!, lo));
          if (!ov) continue;
          const full = q[i + 3] === q[i + 1]! - q[i]!;
          // A partial quadruple is one cell: wholly inside a window of whole cells.
          if (!full) assert.equal(ov, q[i + 1]! - q[i]!);
          got[q[i + 2]!]! += full ? ov : q[i + 3]!;
        }
        assert.deepEqual(got, want);
      }),
      { seed: 12, numRuns: 300 },
    );
  });

  test('tree entries are drawn at their pfns (the tree holds byte addresses) and aliases get a quick-zoom target', () => {
    const d = stripData(bigMachine(10));
    const tree = d.policies[0]!.rows.find((r) => r.label === 'memtype tree')!;
    assert.deepEqual(d.segs[tree.s]!.slice(0, 2), [0xc0000, 0xd0000]);
    assert.ok(d.marks.some((m) => m.text === 'high alias'));
  });
});

describe('cost charts', () => {
  test('counts spanning two decades get a symlog axis, others a linear one', () => {
    assert.equal(scaleTypeFor([1, 1000, 0]), 'symlog');
    assert.equal(scaleTypeFor([3, 16, 0]), 'linear');
    assert.equal(scaleTypeFor([0, 0, 5]), 'linear');
  });

  test('one chart per non-zero counter, one bar per design that ran, rendered to SVG identically twice', async () => {
    const cmp = fixtureComparison();
    const specs = costChartSpecs(cmp);
    assert.ok(specs.length >= 1);
    for (const c of specs) assert.equal((c.spec as { data: { values: unknown[] } }).data.values.length, cmp.policies.filter((p) => p.outcome === 'ok' || p.outcome === 'fatal').length);
    const a = await costChartSvgs(cmp);
    const b = await costChartSvgs(cmp);
    assert.deepEqual(a, b);
    assert.match(a[0]!.svg, /^<svg /);
  });
});
