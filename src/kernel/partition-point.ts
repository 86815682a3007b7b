/**
 * The one binary search over sorted lists the model's range-shaped state
 * uses: the index of the first item of `xs` for which `before` is false,
 * where `before` holds for a prefix of `xs` (so `xs.length` when it holds
 * for all). O(log n).
 */
export function partitionPoint<T>(xs: readonly T[], before: (t: T) => boolean): number {
  let lo = 0;
  let hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (before(xs[mid]!)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
