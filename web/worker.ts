/**
 * The page's compute worker: parses the scenario, runs it under each chosen
 * design, judges it and renders the comparison views to HTML, off the main
 * thread, so the tab stays responsive however long a scenario takes. The page
 * terminates this worker when an edit supersedes the job it runs (that is
 * what stops the old computation) and starts a fresh one.
 *
 * Only the HTML crosses back (a comparison's detail is tens of MB for a
 * large scenario; the views it renders to are a small fraction of that).
 */
import { EXAMPLES } from 'patlab:examples';
import { precomputedCitation } from '../src/io/explore/explore-json.js';
import { costChartSvgs } from '../src/io/render/html/charts.js';
import { scenarioSectionHtml } from '../src/io/render/html/views.js';
import { designsHtml } from '../src/io/render/html/verdict.js';
import { loadScenarioFile } from '../src/io/scenario/load.js';
import { compareScenario } from '../src/run/compare.js';
import { InputError } from '../src/run/input-error.js';
import type { ScenarioComparison } from '../src/run/result.js';
import { selectPolicies } from '../src/policy/registry.js';
import type { Job, Reply, RunJob } from './protocol.js';

const FILE = 'scenario.yaml';
/** The shipped explore result the verdict cites (explore/precomputed.json, bundled). */
const EXPLORE = precomputedCitation();

/** The worker's side of postMessage (the DOM typings describe a window's). */
const scope = self as unknown as { postMessage(r: Reply): void; onmessage: ((e: MessageEvent<Job>) => void) | null };

async function run(job: RunJob): Promise<void> {
  const { seq } = job;
  try {
    if (!job.policies) throw new Error('select at least one design');
    const sc = loadScenarioFile(job.text, FILE);
    const policies = selectPolicies(job.policies);
    const t0 = performance.now();
    // One design at a time, to report progress; compareScenario of one design is that design's row of the whole.
    let result: ScenarioComparison | undefined;
    for (let i = 0; i < policies.length; i++) {
      scope.postMessage({ type: 'progress', seq, name: sc.name, done: i, total: policies.length, next: policies[i]!.name });
      const one = compareScenario(sc, [policies[i]!]);
      if (result) result.policies.push(...one.policies);
      else result = one;
    }
    const computeMs = performance.now() - t0;
    scope.postMessage({ type: 'progress', seq, name: sc.name, done: policies.length, total: policies.length });
    const t1 = performance.now();
    const charts = await costChartSvgs(result!);
    const html = scenarioSectionHtml(result!, charts, { explore: EXPLORE }) + `<h3>Designs</h3>${designsHtml(result!.policies.map((p) => p.policy))}`;
    scope.postMessage({ type: 'result', seq, name: result!.name, designs: result!.policies.length, html, computeMs, renderMs: performance.now() - t1 });
  } catch (e) {
    if (e instanceof InputError) scope.postMessage({ type: 'error', seq, message: e.message, at: { line: e.line, col: e.col, detail: e.detail } });
    else scope.postMessage({ type: 'error', seq, message: e instanceof Error ? e.message : String(e) });
  }
}

function suite(seq: number): void {
  const policies = selectPolicies('all');
  const t0 = performance.now();
  let runs = 0;
  for (const ex of EXAMPLES) {
    const r = compareScenario(loadScenarioFile(ex.yaml, `<built-in ${ex.name}>`), policies);
    runs += r.policies.length;
  }
  scope.postMessage({ type: 'suite', seq, ms: performance.now() - t0, scenarios: EXAMPLES.length, policies: policies.length, runs });
}

scope.onmessage = (e) => {
  const job = e.data;
  if (job.type === 'run') void run(job);
  else suite(job.seq);
};
