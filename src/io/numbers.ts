/**
 * Numbers in machine files: YAML integers, hex strings (`"0x100000"`) and
 * binary sizes (`"4G"`, `"512MiB"`). Physical addresses must stay exact in a
 * double, so anything above 2^53 - 1 is refused rather than rounded.
 */

/** The string forms the schema accepts (machine-schema.ts repeats it as `pattern`). */
export const NUMBER_PATTERN = '^(0[xX][0-9a-fA-F]+|[0-9]+([KMGT](iB)?)?)$';

const NUMBER_RE = new RegExp(NUMBER_PATTERN);
const UNIT: Record<string, bigint> = { K: 1n << 10n, M: 1n << 20n, G: 1n << 30n, T: 1n << 40n };

/** What a caller is told was expected, in error messages. */
export const NUMBER_EXPECTED = 'expected a non-negative integer, hex like "0x100000" or a size like "4G"';

/** Parse result: the value, or why it is not one. */
export type NumberResult = { ok: true; value: number } | { ok: false; why: string };

/** Exact value of a number string as a bigint, or undefined if it is not of {@link NUMBER_PATTERN}. */
export function parseBigNumber(s: string): bigint | undefined {
  if (!NUMBER_RE.test(s)) return undefined;
  if (/^0[xX]/.test(s)) return BigInt(s);
  const m = /^([0-9]+)([KMGT])?/.exec(s)!;
  return BigInt(m[1]!) * (m[2] ? UNIT[m[2]]! : 1n);
}

/** A YAML/JSON value as a safe non-negative integer. */
export function parseNumber(v: unknown): NumberResult {
  if (typeof v === 'number') {
    if (!Number.isInteger(v) || v < 0) return { ok: false, why: `bad number ${v}: ${NUMBER_EXPECTED}` };
    if (!Number.isSafeInteger(v)) return { ok: false, why: `number ${v} is above 2^53-1, the largest exact address` };
    return { ok: true, value: v };
  }
  if (typeof v === 'string') {
    const b = parseBigNumber(v);
    if (b === undefined) return { ok: false, why: `bad number '${v}': ${NUMBER_EXPECTED}` };
    if (b > BigInt(Number.MAX_SAFE_INTEGER)) return { ok: false, why: `number '${v}' is above 2^53-1, the largest exact address` };
    return { ok: true, value: Number(b) };
  }
  return { ok: false, why: NUMBER_EXPECTED };
}

