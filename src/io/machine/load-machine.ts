/**
 * Machine files: YAML text (or a YAML node inside another document, e.g. a
 * scenario's `machine:` key) → validated {@link MachineSpec} (spec/07 D1).
 *
 * Every error is an `InputError` at the line:col of the offending key or
 * value: YAML syntax, schema (unknown key with "did you mean", wrong type,
 * bad number, ...), then semantic checks (build-*.ts).
 *
 * `preset: NAME` starts from a built-in machine (presets.ts) and applies the
 * file's keys on top: maps merge key by key, lists and scalars replace.
 */

import type { ValidateFunction } from 'ajv';
import { basename } from 'node:path';
import { isScalar } from 'yaml';
import type { MachineSpec } from '../../kernel/machine.js';
import { InputError } from '../../run/input-error.js';
import { parseYaml } from '../yaml/source.js';
import { BuildContext, type Raw } from './build-context.js';
import { buildMachine } from './build-machine.js';
import { didYouMean } from '../did-you-mean.js';
import validateMachine from './machine-validator.js';
import { PRESET_YAML, presetNames } from './presets.js';
import { makeLocator, schemaError, type Locator } from './schema-errors.js';
import { locateFast } from './yaml-fast.js';
import { locate, type Loc, type Located, type YamlSource } from './yaml-located.js';

export type { YamlSource } from './yaml-located.js';

// Precompiled (machine-validator.ts, generated): compiling the schema cost every CLI call that reads a machine ~50 ms.
const validator = (): ValidateFunction => validateMachine as unknown as ValidateFunction;

/** Presets may extend presets; a cycle or a deep chain is an error. */
const MAX_PRESET_DEPTH = 8;

export { parseYaml };

function defaultNameOf(file: string): string {
  return basename(file).replace(/\.(ya?ml|json)$/i, '') || 'machine';
}

interface Validated {
  raw: Raw;
  at: Locator;
  presetLoc?: Loc;
}

/** locate + schema check of one machine node. */
function validated(node: unknown, src: YamlSource, rootLoc?: Loc): Validated {
  return validatedLocated(locate(node, src, rootLoc), src.file, rootLoc);
}

/** Schema check of a located machine value. */
function validatedLocated({ value, locs }: Located, file: string, rootLoc?: Loc): Validated {
  // `kernel: 6.1` is a YAML float: take what was written, so 6.10 is not 6.1.
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const o = value as Raw;
    if (typeof o['kernel'] === 'number') o['kernel'] = locs.get('/kernel')?.source ?? String(o['kernel']);
  }
  const at = makeLocator(locs, rootLoc);
  const validate = validator();
  if (!validate(value)) throw schemaError(validate.errors ?? [], value, file, at);
  const presetLoc = locs.get('/preset')?.value;
  return presetLoc ? { raw: value as Raw, at, presetLoc } : { raw: value as Raw, at };
}

function isPlainObject(v: unknown): v is Raw {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Overlay `top` on `base`: maps merge recursively; lists, scalars and null replace. */
export function mergeRaw(base: Raw, top: Raw): Raw {
  const out: Raw = { ...base };
  for (const [k, v] of Object.entries(top)) {
    const b = out[k];
    out[k] = isPlainObject(b) && isPlainObject(v) ? mergeRaw(b, v) : v;
  }
  return out;
}

/** The raw value of preset `name` (validated, with its own presets resolved). */
function presetRaw(name: string, depth: number, file: string, at: Loc): Raw {
  if (depth > MAX_PRESET_DEPTH) throw new InputError(file, at.line, at.col, `preset '${name}': presets extend each other too deeply (a cycle?)`);
  const text = PRESET_YAML[name];
  if (text === undefined) {
    throw new InputError(file, at.line, at.col, `unknown preset '${name}'${didYouMean(name, presetNames()) || `: expected one of ${presetNames().join(', ')}`}`);
  }
  const pfile = `<preset ${name}>`;
  return resolvePresets(validatedText(text, pfile), depth + 1, pfile).raw;
}

/** Apply `preset:` if present. Errors in preset-supplied values point at the `preset:` line. */
function resolvePresets(v: Validated, depth: number, file: string): { raw: Raw; at: Locator } {
  const name = v.raw['preset'];
  if (typeof name !== 'string') return v;
  const base = presetRaw(name, depth, file, v.presetLoc!);
  const { preset: _drop, ...own } = v.raw;
  void _drop;
  const merged = mergeRaw(base, own);
  const presetLoc = v.presetLoc!;
  const at: Locator = (pointer, which) => {
    // A value the file itself wrote (or a map it opened) is located there;
    // anything else came from the preset.
    const parts = pointer.split('/');
    if (parts.length > 1 && own[parts[1]!.replace(/~1/g, '/').replace(/~0/g, '~')] !== undefined) return v.at(pointer, which);
    return presetLoc;
  };
  return { raw: merged, at };
}

/**
 * A machine given as a YAML node inside a larger document: a map (a machine
 * file's content, `preset:` allowed) or a scalar naming a preset. `src` is the
 * enclosing document's file name and LineCounter (and Document, for aliases).
 */
export function loadMachineNode(node: unknown, src: YamlSource): MachineSpec {
  if (isScalar(node) && typeof node.value === 'string') {
    const at = src.lineCounter.linePos(node.range?.[0] ?? 0);
    const name = node.value;
    return buildMachine(new BuildContext(src.file, () => at), presetRaw(name, 0, src.file, at), name);
  }
  return machineOf(validated(node, src), src.file);
}

function machineOf(v: Validated, file: string): MachineSpec {
  const r = resolvePresets(v, 0, file);
  const fallbackName = typeof v.raw['preset'] === 'string' ? (v.raw['preset'] as string) : defaultNameOf(file);
  return buildMachine(new BuildContext(file, r.at), r.raw, fallbackName);
}

/**
 * A machine file's text, located and schema-checked: by the fast reader where the text is in its
 * subset (yaml-fast.ts: the same values and positions), else by yaml, which also says every
 * syntax error.
 */
function validatedText(text: string, file: string): Validated {
  const fast = locateFast(text);
  if (fast) return validatedLocated(fast, file);
  const src = parseYaml(text, file);
  return validated(src.doc.contents, src);
}

/** A machine file's text → MachineSpec. `file` names it in errors (and is the default `name`). */
export function loadMachine(text: string, file: string): MachineSpec {
  const fast = locateFast(text);
  if (fast) return machineOf(validatedLocated(fast, file), file);
  // A file that is only a preset's name is a scalar: loadMachineNode reads that too.
  const src = parseYaml(text, file);
  return loadMachineNode(src.doc.contents, src);
}

/** A built-in preset by name (presets.ts). */
export function loadPreset(name: string): MachineSpec {
  return loadMachine(`preset: ${JSON.stringify(name)}\n`, `<preset ${name}>`);
}
