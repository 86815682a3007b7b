/**
 * A kernel object that copies itself (kernel/clone.ts): instead of being
 * copied field by field, its `[CLONE]()` is called. The objects that use it
 * hold large arrays a run seldom writes (per-page state, the memtype tree's
 * pools, the kmap slots, TTM's pool rings); they share those with the copy until either
 * writes, which is what makes a copy of an explored state cheap
 * (docs/explore.md §8). Such an object holds no reference to another kernel
 * object, so it needs none of the clone's bookkeeping.
 */
export const CLONE = Symbol('clone');

export interface ClonesItself {
  [CLONE](): object;
}

/** Whether `v` copies itself. */
export function clonesItself(v: object): v is ClonesItself {
  return typeof (v as Partial<ClonesItself>)[CLONE] === 'function';
}
