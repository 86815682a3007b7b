/** A worker thread of `patlab explore`: explores the designs it is sent and posts each result back with its index. */

import { parentPort } from 'node:worker_threads';
import { selectPolicies } from '../../policy/registry.js';
import { serializeError, type SerializedError } from '../worker-errors.js';
import { exploreDesign, type DesignExplore, type ExploreOptions } from './explore.js';
import type { Vocabulary } from './vocabulary.js';

export interface ExploreTask {
  index: number;
  policy: string;
  vocab: Vocabulary;
  opts: ExploreOptions;
}

export type ExploreReply = { index: number; result: DesignExplore } | { index: number; error: SerializedError };

parentPort!.on('message', (t: ExploreTask | null) => {
  if (t === null) {
    parentPort!.close();
    return;
  }
  try {
    parentPort!.postMessage({ index: t.index, result: exploreDesign(t.vocab, selectPolicies(t.policy)[0]!, t.opts) } satisfies ExploreReply);
  } catch (e) {
    parentPort!.postMessage({ index: t.index, error: serializeError(e) } satisfies ExploreReply);
  }
});
