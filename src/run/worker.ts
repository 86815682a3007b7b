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

/** Each scenario this worker was sent, with its one boot, cloned for every design the worker runs it under. */
const scenarios = new Map<number, { scenario: Scenario; template: BootTemplate }>();

parentPort!.on('message', (t: CompareTask | null) => {
  if (t === null) {
    parentPort!.close();
    return;
  }
  try {
    if (t.scenario) scenarios.set(t.scenarioIndex, { scenario: t.scenario, template: new BootTemplate(t.scenario.machine) });
    const { scenario, template } = scenarios.get(t.scenarioIndex)!;
    const result = runUnderPolicy(scenario, selectPolicies(t.policy)[0]!, { detail: t.detail, template });
    parentPort!.postMessage({ index: t.index, result } satisfies CompareReply);
  } catch (e) {
    parentPort!.postMessage({ index: t.index, error: serializeError(e) } satisfies CompareReply);
  }
});
