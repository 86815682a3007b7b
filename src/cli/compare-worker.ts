/**
 * A worker thread of `patlab compare`: runs (scenario, design) tasks it is
 * sent and posts each result back with its index, so the output order never
 * depends on which worker finished first.
 */

import { parentPort } from 'node:worker_threads';
import { runUnderPolicy } from '../io/compare/compare.js';
import { loadScenarioFile } from '../io/scenario/load.js';
import type { Scenario } from '../io/scenario/scenario.js';
import { selectPolicies } from '../policy/registry.js';

export interface CompareTask {
  index: number;
  text: string;
  file: string;
  policy: string;
  /** Compute the HTML views' detail too. */
  detail: boolean;
}

const scenarios = new Map<string, Scenario>();

parentPort!.on('message', (t: CompareTask | null) => {
  if (t === null) {
    parentPort!.close();
    return;
  }
  try {
    let sc = scenarios.get(t.file);
    if (!sc) scenarios.set(t.file, (sc = loadScenarioFile(t.text, t.file)));
    const result = runUnderPolicy(sc, selectPolicies(t.policy)[0]!, { detail: t.detail });
    parentPort!.postMessage({ index: t.index, result });
  } catch (e) {
    parentPort!.postMessage({ index: t.index, error: e instanceof Error ? e.message : String(e) });
  }
});
