/**
 * Running `patlab compare`'s (scenario, design) pairs on worker threads. Each
 * pair boots its own kernel, so pairs are independent; results are placed by
 * index, so the output is the same whatever the scheduling.
 */

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { scenarioHeader, type PolicyResult, type ScenarioComparison } from '../io/compare/compare.js';
import type { Scenario } from '../io/scenario/scenario.js';
import type { SelectedPolicy } from '../policy/registry.js';
import type { CompareTask } from './compare-worker.js';

export interface ScenarioSource {
  text: string;
  file: string;
  scenario: Scenario;
}

export async function compareParallel(
  sources: readonly ScenarioSource[],
  policies: readonly SelectedPolicy[],
  threads = Math.min(availableParallelism(), 4),
  opts: { detail?: boolean } = {},
): Promise<ScenarioComparison[]> {
  const tasks: CompareTask[] = [];
  for (const s of sources) for (const p of policies) tasks.push({ index: tasks.length, text: s.text, file: s.file, policy: p.name, detail: opts.detail !== false });
  // Big machines first (a run's cost grows with the pages it boots), so the last task to finish is a small one.
  const weight = new Map(sources.map((s) => [s.file, s.scenario.machine.e820.reduce((n, e) => n + (e.type === 'usable' ? e.end - e.start : 0), 0)]));
  const order = [...tasks].sort((a, b) => weight.get(b.file)! - weight.get(a.file)! || a.index - b.index);
  const results: PolicyResult[] = new Array(tasks.length);
  const nWorkers = Math.max(1, Math.min(threads, tasks.length));
  let next = 0;
  let failure: string | null = null;
  await Promise.all(
    Array.from({ length: nWorkers }, () => {
      const w = new Worker(new URL('./compare-worker.js', import.meta.url));
      return new Promise<void>((resolve, reject) => {
        const feed = (): void => {
          if (failure !== null || next >= order.length) {
            w.postMessage(null);
            return;
          }
          w.postMessage(order[next++]);
        };
        w.on('message', (m: { index: number; result?: PolicyResult; error?: string }) => {
          if (m.error !== undefined) failure ??= m.error;
          else results[m.index] = m.result!;
          feed();
        });
        w.on('error', reject);
        w.on('exit', () => resolve());
        feed();
      });
    }),
  );
  if (failure !== null) throw new Error(failure);
  let i = 0;
  return sources.map((s) => ({ ...scenarioHeader(s.scenario), policies: policies.map(() => results[i++]!) }));
}
