/**
 * A worker thread of `patlab compare`: runs (scenario, design) tasks it is
 * sent and posts each result back with its index, so the output order never
 * depends on which worker finished first. Scenarios arrive parsed (structured
 * clone), so the run layer never reads files; an error travels back with its
 * class (see {@link serializeError}).
 */

import { parentPort } from 'node:worker_threads';
import { selectPolicies } from '../policy/registry.js';
import { BootTemplate } from './boot-template.js';
import { runUnderPolicy } from './compare.js';
import type { Scenario } from './scenario.js';
import { serializeError, type SerializedError } from './worker-errors.js';
import type { PolicyResult } from './result.js';

export interface CompareTask {
  index: number;
  /** Index of the scenario in the run's list, sent once with `scenario`. */
  scenarioIndex: number;
  scenario?: Scenario;
  policy: string;
  /** Compute the HTML views' detail too. */
  detail: boolean;
}

export type CompareReply = { index: number; result: PolicyResult } | { index: number; error: SerializedError };

const scenarios = new Map<number, Scenario>();
/** Each scenario's one boot, cloned for every design this worker runs it under. */
const templates = new Map<number, BootTemplate>();

parentPort!.on('message', (t: CompareTask | null) => {
  if (t === null) {
    parentPort!.close();
    return;
  }
  try {
    if (t.scenario) {
      scenarios.set(t.scenarioIndex, t.scenario);
      templates.set(t.scenarioIndex, new BootTemplate(t.scenario.machine));
    }
    const result = runUnderPolicy(scenarios.get(t.scenarioIndex)!, selectPolicies(t.policy)[0]!, { detail: t.detail, template: templates.get(t.scenarioIndex)! });
    parentPort!.postMessage({ index: t.index, result } satisfies CompareReply);
  } catch (e) {
    parentPort!.postMessage({ index: t.index, error: serializeError(e) } satisfies CompareReply);
  }
});
