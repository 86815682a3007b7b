/**
 * Where an explore's time goes (`npm run bench`, docs/explore.md §8): the
 * milliseconds spent copying parent states, running the steps (`step`, of
 * which `record` is the timeline recorder's look after each), judging the
 * runs and fingerprinting the new states. Read by the bench
 * only: nothing an explore prints depends on it.
 */
import { performance } from 'node:perf_hooks';

export class ExploreTiming {
  copy = 0;
  step = 0;
  record = 0;
  judge = 0;
  fingerprint = 0;
  total = 0;

  /** A start time for `add`. */
  static now(): number {
    return performance.now();
  }

  add(part: 'copy' | 'step' | 'record' | 'judge' | 'fingerprint' | 'total', since: number): void {
    this[part] += performance.now() - since;
  }
}
