/**
 * Running `patlab explore`'s designs on worker threads: each design's search
 * is independent and deterministic, and results are placed by index, so the
 * output is byte-identical for any thread count. Errors keep their class.
 */

import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import type { SelectedPolicy } from '../../policy/registry.js';
import { deserializeError, type SerializedError } from '../worker-errors.js';
import { exploreDesign, type DesignExplore, type ExploreOptions } from './explore.js';
import type { Vocabulary } from './vocabulary.js';
import type { ExploreReply, ExploreTask } from './worker.js';

export async function exploreParallel(vocab: Vocabulary, policies: readonly SelectedPolicy[], opts: ExploreOptions, threads = Math.min(availableParallelism(), 4)): Promise<DesignExplore[]> {
  if (threads <= 1 || policies.length <= 1) return policies.map((p) => exploreDesign(vocab, p, opts));
  // A worker's timing would stay in the worker (ExploreOptions.timing): it is for one thread.
  const { timing, ...posted } = opts;
  void timing;
  const results: DesignExplore[] = new Array(policies.length);
  let next = 0;
  let failure: { index: number; error: SerializedError } | null = null;
  await Promise.all(
    Array.from({ length: Math.min(threads, policies.length) }, () => {
      const w = new Worker(new URL('./worker.js', import.meta.url));
      return new Promise<void>((resolve, reject) => {
        const feed = (): void => {
          if (failure !== null || next >= policies.length) {
            w.postMessage(null);
            return;
          }
          const i = next++;
          w.postMessage({ index: i, policy: policies[i]!.name, vocab, opts: posted } satisfies ExploreTask);
        };
        w.on('message', (m: ExploreReply) => {
          if ('error' in m) {
            if (failure === null || m.index < failure.index) failure = { index: m.index, error: m.error };
          } else results[m.index] = m.result;
          feed();
        });
        w.on('error', reject);
        w.on('exit', () => resolve());
        feed();
      });
    }),
  );
  if (failure !== null) throw deserializeError((failure as { error: SerializedError }).error);
  return results;
}
