/**
 * What a worker thread of `patlab compare` does: runs the (scenario, design)
 * tasks it is sent and posts each result back with its index, so the output
 * order never depends on which worker finished first. Scenarios arrive parsed
 * (structured clone), so the run layer never reads files; a scenario whose
 * steps are read from a file (Scenario.source) arrives with its origin, and
 * the worker's entry point (the layer that reads files) opens it again. An
 * error travels back with its class (see {@link serializeError}).
 */

import { parentPort } from 'node:worker_threads';
import { selectPolicies } from '../policy/registry.js';
import { BootTemplate } from './boot-template.js';
import { runUnderPolicy } from './compare.js';
import type { Scenario, StepOrigin, StepSource } from './scenario.js';
import { serializeError, type SerializedError } from './worker-errors.js';
import type { PolicyResult } from './result.js';

export interface CompareTask {
  index: number;
  /** Index of the scenario in the run's list, sent once with `scenario`. */
  scenarioIndex: number;
  /** The scenario without its `source` (a function does not cross threads): `origin` says where its steps are. */
  scenario?: Omit<Scenario, 'source'>;
  origin?: StepOrigin;
  policy: string;
  /** Compute the HTML views' detail too. */
  detail: boolean;
}

export type CompareReply = { index: number; result: PolicyResult } | { index: number; error: SerializedError };

/** How a worker opens the steps of a scenario that were read from a file. */
export type OpenStepSource = (origin: StepOrigin) => StepSource;

/** Serve tasks on this worker thread's port until it is sent null. */
export function serveCompareTasks(open?: OpenStepSource): void {
  /** Each scenario this worker was sent, with its one boot, cloned for every design the worker runs it under. */
  const scenarios = new Map<number, { scenario: Scenario; template: BootTemplate }>();
  parentPort!.on('message', (t: CompareTask | null) => {
    if (t === null) {
      parentPort!.close();
      return;
    }
    try {
      if (t.scenario) {
        let scenario: Scenario = t.scenario;
        if (t.origin) {
          if (!open) throw new Error(`this worker cannot read the steps of ${t.origin.path}`);
          scenario = { ...t.scenario, source: open(t.origin) };
        }
        scenarios.set(t.scenarioIndex, { scenario, template: new BootTemplate(scenario.machine) });
      }
      const { scenario, template } = scenarios.get(t.scenarioIndex)!;
      const result = runUnderPolicy(scenario, selectPolicies(t.policy)[0]!, { detail: t.detail, template });
      parentPort!.postMessage({ index: t.index, result } satisfies CompareReply);
    } catch (e) {
      parentPort!.postMessage({ index: t.index, error: serializeError(e) } satisfies CompareReply);
    }
  });
}
