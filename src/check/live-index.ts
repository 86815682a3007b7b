import { partitionPoint } from '../kernel/partition-point.js';
import type { MappingLife } from './timeline.js';

/**
 * The lives live at the current step, queryable by pfn range: a max-end
 * segment tree over `byPfn` (sorted by pfn) whose leaves hold a live life's
 * end and -Infinity otherwise, updated as lives are born and gone. A query
 * visits only subtrees holding a live life reaching into the range, so it
 * costs O((hits + 1) log n) even with lives spanning most of memory (the
 * direct-map runs) and with many dead lives on the same pfns (a page mapped
 * and unmapped at every step).
 */
export class LiveIndex {
  private readonly size: number;
  private readonly max: Float64Array;

  constructor(private readonly byPfn: readonly MappingLife[]) {
    let size = 1;
    while (size < byPfn.length) size *= 2;
    this.size = size;
    this.max = new Float64Array(2 * size).fill(-Infinity);
  }

  set(i: number, live: boolean): void {
    const l = this.byPfn[i]!;
    let x = this.size + i;
    this.max[x] = live ? l.pfn + l.npages : -Infinity;
    for (x >>>= 1; x >= 1; x >>>= 1) this.max[x] = Math.max(this.max[2 * x]!, this.max[2 * x + 1]!);
  }

  /** Appends to `out`, ascending, the `byPfn` indices of live lives overlapping `[lo, hi)`. */
  overlapping(lo: number, hi: number, out: number[]): void {
    // Lives from index r on start at or after hi.
    const r = partitionPoint(this.byPfn, (l) => l.pfn < hi);
    const walk = (x: number, a: number, b: number): void => {
      if (a >= r || this.max[x]! <= lo) return;
      if (b - a === 1) out.push(a);
      else {
        const m = (a + b) >>> 1;
        walk(2 * x, a, m);
        walk(2 * x + 1, m, b);
      }
    };
    walk(1, 0, this.size);
  }
}
