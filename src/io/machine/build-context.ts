/**
 * What the machine builders share: the validated raw value, where each part
 * of it is in the file, and how to fail there.
 */

import { InputError } from '../../run/input-error.js';
import { parseNumber } from '../numbers.js';
import type { Locator } from './schema-errors.js';
import { humanPath, pointerJoin } from './yaml-located.js';

export class BuildContext {
  constructor(
    readonly file: string,
    readonly at: Locator,
  ) {}

  /** Throw an InputError at `pointer` (its value, or its key with `which`). */
  fail(pointer: string, message: string, which: 'key' | 'value' = 'value'): never {
    const l = this.at(pointer, which);
    throw new InputError(this.file, l.line, l.col, message);
  }

  /** A numeric field (schema-checked form) as an exact safe integer. */
  num(obj: Record<string, unknown>, key: string, ptr: string): number {
    const p = pointerJoin(ptr, key);
    const r = parseNumber(obj[key]);
    if (!r.ok) this.fail(p, `${humanPath(p)}: ${r.why}`);
    return r.value;
  }

  /** Optional numeric field. */
  optNum(obj: Record<string, unknown>, key: string, ptr: string): number | undefined {
    return obj[key] === undefined ? undefined : this.num(obj, key, ptr);
  }
}

export type Raw = Record<string, unknown>;

export function sub(obj: Raw, key: string): Raw | undefined {
  const v = obj[key];
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Raw) : undefined;
}

export function list(obj: Raw, key: string): Raw[] {
  const v = obj[key];
  return Array.isArray(v) ? (v as Raw[]) : [];
}
