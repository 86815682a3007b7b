/**
 * Where an explore's time goes (`npm run bench`, docs/explore.md §8): the
 * milliseconds spent copying parent states, running the steps (`step`, of
 * which `record` is the timeline recorder's look after each), judging the
 * runs and fingerprinting the new states. Read by the bench
 * only: nothing an explore prints depends on it. (The global `performance`,
 * not node:perf_hooks: the browser page's type check reaches this file.)
 */

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
