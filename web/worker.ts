/**
 * The page's compute worker: parses the scenario, runs it under its part of
 * the chosen designs and judges it, off the main thread, so the tab stays
 * responsive however long a scenario takes. Part 0 collects the other parts'
 * results (over the message ports the page gave it), renders the comparison
 * views to HTML and posts them. The page terminates every worker when an edit
 * supersedes the job they run (that is what stops the old computation) and
 * starts fresh ones.
 *
 * Only the HTML crosses back to the page (a comparison's detail is tens of MB
 * for a large scenario; the views it renders to are a small fraction of it).
 */
import { EXAMPLES } from 'patlab:examples';
import { precomputedCitation } from '../src/io/explore/explore-json.js';
import { costChartSvgs } from '../src/io/render/html/charts.js';
import { scenarioSectionHtml } from '../src/io/render/html/views.js';
import { designsHtml } from '../src/io/render/html/verdict.js';
import { loadScenarioFile } from '../src/io/scenario/load.js';
import { compareScenario } from '../src/run/compare.js';
import { BootTemplate } from '../src/run/boot-template.js';
import { InputError } from '../src/run/input-error.js';
import type { PolicyResult } from '../src/run/result.js';
import { selectPolicies } from '../src/policy/registry.js';
import type { Job, PartReply, Reply, RunJob, SuiteJob } from './protocol.js';

const FILE = 'scenario.yaml';
/** The shipped explore result the verdict cites (explore/precomputed.json, bundled). */
const EXPLORE = precomputedCitation();

/** The worker's side of postMessage (the DOM typings describe a window's). */
const scope = self as unknown as { postMessage(r: Reply): void; onmessage: ((e: MessageEvent<Job>) => void) | null };

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e));

/** The `expected` results the other parts send part 0, each placed at its index in the job's designs. */
function collect(ports: readonly MessagePort[], into: PolicyResult[], expected: number): Promise<void> {
  return new Promise((resolve, reject) => {
    let left = expected;
    if (left === 0) resolve();
    for (const port of ports)
      port.onmessage = (e: MessageEvent<PartReply>) => {
        const m = e.data;
        if ('error' in m) reject(new Error(m.error));
        else {
          into[m.index] = m.result;
          if (--left === 0) resolve();
        }
      };
  });
}

async function run(job: RunJob): Promise<void> {
  const { seq, part, parts } = job;
  let early = true;
  try {
    if (!job.policies) throw new Error('select at least one design');
    const sc = loadScenarioFile(job.text, FILE);
    const policies = selectPolicies(job.policies);
    early = false;
    const t0 = performance.now();
    const results: PolicyResult[] = new Array<PolicyResult>(policies.length);
    const gathered = part === 0 ? collect(job.ports, results, policies.length - Math.ceil(policies.length / parts)) : null;
    gathered?.catch(() => undefined); // awaited below; a part's failure while this one still runs is not unhandled
    // compareScenario of one design is that design's row of the whole (designs share nothing).
    let done = 0;
    const template = new BootTemplate(sc.machine);
    for (let i = part; i < policies.length; i += parts) {
      scope.postMessage({ type: 'progress', seq, name: sc.name, part, done, next: policies[i]!.name, total: policies.length });
      const one = compareScenario(sc, [policies[i]!], { template }).policies[0]!;
      if (part === 0) results[i] = one;
      else job.ports[0]!.postMessage({ index: i, result: one } satisfies PartReply);
      done++;
    }
    scope.postMessage({ type: 'progress', seq, name: sc.name, part, done, total: policies.length });
    if (part !== 0) return;
    await gathered;
    const result = { ...compareScenario(sc, []), policies: results };
    const computeMs = performance.now() - t0;
    const t1 = performance.now();
    const charts = await costChartSvgs(result);
    const html = scenarioSectionHtml(result, charts, { explore: EXPLORE }) + `<h3>Designs</h3>${designsHtml(result.policies.map((p) => p.policy))}`;
    scope.postMessage({ type: 'result', seq, name: result.name, designs: result.policies.length, html, computeMs, renderMs: performance.now() - t1 });
  } catch (e) {
    if (part !== 0) {
      // Part 0 fails the same way on the text and the designs; a failure while running is its to report.
      if (!early) job.ports[0]!.postMessage({ index: -1, error: errorText(e) } satisfies PartReply);
      return;
    }
    if (e instanceof InputError) scope.postMessage({ type: 'error', seq, message: e.message, at: { line: e.line, col: e.col, detail: e.detail }, early });
    else scope.postMessage({ type: 'error', seq, message: errorText(e), early });
  }
}

function suite(job: SuiteJob): void {
  const policies = selectPolicies('all').filter((_, i) => i % job.parts === job.part);
  const t0 = performance.now();
  let runs = 0;
  for (const ex of EXAMPLES) {
    // What `npm start` computes (the verdict's numbers; no views are drawn, so no detail).
    const r = compareScenario(loadScenarioFile(ex.yaml, `<built-in ${ex.name}>`), policies, { detail: false });
    runs += r.policies.length;
  }
  scope.postMessage({ type: 'suite', seq: job.seq, ms: performance.now() - t0, scenarios: EXAMPLES.length, policies: policies.length, runs });
}

scope.onmessage = (e) => {
  const job = e.data;
  if (job.type === 'run') void run(job);
  else suite(job);
};
