/**
 * Ajv's validation errors turned into one `FILE:LINE:COL: message` for a
 * person: the first problem in file order, at the offending key or value,
 * saying what was expected (and "did you mean" for near misses).
 */

import type { ErrorObject } from 'ajv';
import { InputError } from '../../run/input-error.js';
import { didYouMean } from '../did-you-mean.js';
import { NUMBER_EXPECTED } from '../numbers.js';
import { humanPath, pointerJoin, type Loc, type NodeLoc } from './yaml-located.js';

/** Finds the position of a pointer (walking up to the nearest located parent). */
export type Locator = (pointer: string, which?: 'key' | 'value') => Loc;

export function makeLocator(locs: Map<string, NodeLoc>, fallback: Loc = { line: 1, col: 1 }): Locator {
  return (pointer, which = 'value') => {
    let p = pointer;
    for (;;) {
      const l = locs.get(p);
      if (l) return which === 'key' && l.key ? l.key : l.value;
      if (p === '') return fallback;
      p = p.slice(0, p.lastIndexOf('/'));
    }
  };
}

const COMPOSITE = new Set(['anyOf', 'oneOf', 'allOf', 'if', 'not']);

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a map';
  if (typeof v === 'string') return `'${v}'`;
  return String(v);
}

function typeWord(t: string): string {
  return t === 'object' ? 'a map' : t === 'array' ? 'a list' : t === 'null' ? 'null' : `a ${t}`;
}

function valueAt(root: unknown, instancePath: string): unknown {
  let cur = root;
  for (const s of instancePath.split('/').slice(1)) {
    const k = s.replace(/~1/g, '/').replace(/~0/g, '~');
    cur = cur !== null && typeof cur === 'object' ? (cur as Record<string, unknown>)[k] : undefined;
  }
  return cur;
}

interface Candidate {
  pointer: string;
  which: 'key' | 'value';
  message: string;
}

function explain(e: ErrorObject, root: unknown, sameSpot: ErrorObject[]): Candidate {
  const path = e.instancePath;
  const where = humanPath(path);
  const value = valueAt(root, path);
  const isNumberDef = e.schemaPath.startsWith('#/definitions/uint/');
  switch (e.keyword) {
    case 'additionalProperties': {
      const prop = String(e.params.additionalProperty);
      const known = Object.keys((e.parentSchema as { properties?: object } | undefined)?.properties ?? {});
      const hint = didYouMean(prop, known);
      const tail = hint || `: expected one of ${known.join(', ')}`;
      return { pointer: pointerJoin(path, prop), which: 'key', message: `unknown key '${prop}' in ${where}${tail}` };
    }
    case 'required':
      return { pointer: path, which: 'value', message: `missing key '${String(e.params.missingProperty)}' in ${where}` };
    case 'oneOf':
      if (e.schemaPath.startsWith('#/definitions/endOrSize/')) {
        return { pointer: path, which: 'value', message: `${where}: expected exactly one of 'end' (exclusive) or 'size'` };
      }
      return { pointer: path, which: 'value', message: `${where}: ${e.message ?? 'invalid'}` };
    case 'type': {
      if (isNumberDef) return { pointer: path, which: 'value', message: `${where}: ${NUMBER_EXPECTED}, got ${describe(value)}` };
      const types = new Set<string>();
      for (const o of sameSpot) {
        if (o.keyword !== 'type') continue;
        const t = o.params.type;
        for (const x of Array.isArray(t) ? t : [t]) types.add(String(x));
      }
      const list = [...types].map(typeWord).join(' or ');
      return { pointer: path, which: 'value', message: `${where}: expected ${list}, got ${describe(value)}` };
    }
    case 'enum': {
      const allowed = (e.params.allowedValues as unknown[]).map(String);
      const shown = [...new Set(allowed.map((a) => (e.schemaPath.includes('mtrrType') ? a.toUpperCase() : a)))];
      const hint = typeof value === 'string' ? didYouMean(value, shown) : '';
      return { pointer: path, which: 'value', message: `${where}: expected one of ${shown.join(', ')}, got ${describe(value)}${hint}` };
    }
    case 'pattern':
      if (isNumberDef) return { pointer: path, which: 'value', message: `${where}: bad number ${describe(value)}: ${NUMBER_EXPECTED}` };
      if (path === '/firmware_pat') {
        return { pointer: path, which: 'value', message: `${where}: expected a 64-bit hex value like "0x0007040600070406", got ${describe(value)}` };
      }
      return { pointer: path, which: 'value', message: `${where}: expected text matching ${String(e.params.pattern)}, got ${describe(value)}` };
    case 'minimum':
    case 'maximum': {
      const op = e.keyword === 'minimum' ? '>=' : '<=';
      if (isNumberDef) return { pointer: path, which: 'value', message: `${where}: bad number ${describe(value)}: ${NUMBER_EXPECTED}` };
      return { pointer: path, which: 'value', message: `${where}: expected a number ${op} ${String(e.params.limit)}, got ${describe(value)}` };
    }
    case 'minLength':
      return { pointer: path, which: 'value', message: `${where}: expected a non-empty string` };
    default:
      return { pointer: path, which: 'value', message: `${where}: ${e.message ?? 'invalid'}` };
  }
}

/**
 * The one error to report. Composite keywords (anyOf, if, ...) only say that
 * a branch failed, so their branches' errors are preferred; a `type` error
 * from a branch whose type did not match is dropped when another branch
 * complained about the same value (or something inside it) more specifically. Among what remains, the
 * first in file order wins.
 */
export function schemaError(errors: readonly ErrorObject[], root: unknown, file: string, at: Locator): InputError {
  const endOrSize = errors.filter((e) => e.schemaPath.startsWith('#/definitions/endOrSize/'));
  let pool = errors.filter((e) => !e.schemaPath.startsWith('#/definitions/endOrSize/') && !COMPOSITE.has(e.keyword));
  for (const e of endOrSize) if (e.keyword === 'oneOf') pool.push(e);
  const under = (o: ErrorObject, p: string): boolean => o.instancePath === p || o.instancePath.startsWith(p + '/');
  pool = pool.filter((e) => !(e.keyword === 'type' && pool.some((o) => o.keyword !== 'type' && under(o, e.instancePath))));
  if (pool.length === 0) pool = [...errors];
  let best: { c: Candidate; loc: Loc } | undefined;
  for (const e of pool) {
    const c = explain(
      e,
      root,
      pool.filter((o) => o.instancePath === e.instancePath),
    );
    const loc = at(c.pointer, c.which);
    if (!best || loc.line < best.loc.line || (loc.line === best.loc.line && loc.col < best.loc.col)) best = { c, loc };
  }
  const b = best!;
  return new InputError(file, b.loc.line, b.loc.col, b.c.message);
}
