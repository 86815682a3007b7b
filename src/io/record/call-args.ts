/**
 * A recorded call's fetched arguments (docs/record.md §2): the log's words,
 * already checked to be numbers when the line was read, made BigInts only
 * when asked for. Most never are (the 16 entries of a pages array whose pages
 * the kernel reserved one by one, a nested call's other fields), and turning
 * a hex word into a BigInt was the reader's largest cost on a long log.
 */

export class CallArgs {
  private readonly names: string[] = [];
  /** The low word, and the `NAME_hi` word i386 adds for a 64-bit value. */
  private readonly lo: string[] = [];
  private readonly hi: (string | undefined)[] = [];

  /** Add argument `name`: `lo` and `hi` are words the reader has checked. */
  set(name: string, lo: string, hi?: string): void {
    this.names.push(name);
    this.lo.push(lo);
    this.hi.push(hi);
  }

  has(name: string): boolean {
    return this.names.indexOf(name) >= 0;
  }

  /** Every argument and its value, in the log's order. */
  entries(): [string, bigint][] {
    return this.names.map((n, i) => [n, wordValue(this.lo[i]!, this.hi[i])]);
  }

  /** The value, with an i386 high word joined in; undefined when the call has no such argument. */
  get(name: string): bigint | undefined {
    const i = this.names.indexOf(name);
    return i < 0 ? undefined : wordValue(this.lo[i]!, this.hi[i]);
  }
}

/** A checked word as a number, with an i386 high word (`NAME_hi`) joined above its low 32 bits. */
export function wordValue(lo: string, hi?: string): bigint {
  const v = BigInt(lo);
  return hi === undefined ? v : (BigInt(hi) << 32n) | (v & 0xffffffffn);
}
