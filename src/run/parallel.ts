/**
 * Running `patlab compare`'s (scenario, design) pairs on worker threads. Each
 * pair boots its own kernel, so pairs are independent; results are placed by
 * index, so the output is the same whatever the scheduling. Errors keep their
 * class (a user's input error stays exit 2 with threads as without).
 */

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { SelectedPolicy } from '../policy/registry.js';
import { scenarioHeader } from './compare.js';
import type { PolicyResult, ScenarioComparison } from './result.js';
import type { Scenario } from './scenario.js';
import type { CompareReply, CompareTask } from './compare-tasks.js';
import { deserializeError, type SerializedError } from './worker-errors.js';

export async function compareParallel(
  scenarios: readonly Scenario[],
  policies: readonly SelectedPolicy[],
  threads = Math.min(availableParallelism(), 4),
  opts: {
    detail?: boolean;
    onResult?: (done: number, total: number) => void;
    /** The workers' entry point (default run/worker.ts; a scenario whose steps are read from a file needs one that can open it, cli/compare-worker.ts). */
    worker?: URL;
  } = {},
): Promise<ScenarioComparison[]> {
  const tasks: CompareTask[] = [];
  scenarios.forEach((_, si) => {
    for (const p of policies) tasks.push({ index: tasks.length, scenarioIndex: si, policy: p.name, detail: opts.detail !== false });
  });
  // Big machines first (a run's cost grows with the pages it boots), so the last task to finish is a small one.
  const weight = scenarios.map((sc) => sc.machine.e820.reduce((n, e) => n + (e.type === 'usable' ? e.end - e.start : 0), 0));
  const order = [...tasks].sort((a, b) => weight[b.scenarioIndex]! - weight[a.scenarioIndex]! || a.index - b.index);
  const results: PolicyResult[] = new Array(tasks.length);
  const nWorkers = Math.max(1, Math.min(threads, tasks.length));
  let next = 0;
  let done = 0;
  // The first failure in task order, so the error reported does not depend on scheduling.
  let failure: { index: number; error: SerializedError } | null = null;
  await Promise.all(
    Array.from({ length: nWorkers }, () => {
      const w = new Worker(opts.worker ?? new URL('./worker.js', import.meta.url));
      const sent = new Set<number>();
      return new Promise<void>((resolve, reject) => {
        const feed = (): void => {
          if (failure !== null || next >= order.length) {
            w.postMessage(null);
            return;
          }
          const t = order[next++]!;
          const sc = scenarios[t.scenarioIndex]!;
          const { source, ...plain } = sc;
          const withScenario = sent.has(t.scenarioIndex) ? t : { ...t, scenario: plain, ...(source ? { origin: source.origin } : {}) };
          sent.add(t.scenarioIndex);
          w.postMessage(withScenario);
        };
        w.on('message', (m: CompareReply) => {
          if ('error' in m) {
            if (failure === null || m.index < failure.index) failure = { index: m.index, error: m.error };
          } else results[m.index] = m.result;
          opts.onResult?.(++done, tasks.length);
          feed();
        });
        w.on('error', reject);
        w.on('exit', () => resolve());
        feed();
      });
    }),
  );
  if (failure !== null) throw deserializeError((failure as { error: SerializedError }).error);
  let i = 0;
  return scenarios.map((sc) => ({ ...scenarioHeader(sc), policies: policies.map(() => results[i++]!) }));
}
