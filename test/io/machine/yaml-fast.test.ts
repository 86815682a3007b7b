/**
 * The machine loader's fast reader (src/io/machine/yaml-fast.ts) against yaml itself: on any text,
 * it answers nothing (yaml reads the file) or exactly what `locate(parseDocument(text))` answers,
 * values and positions; and it does answer for the files patlab ships and writes.
 */
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from '../../fc.js';
import { locateFast } from '../../../src/io/machine/yaml-fast.js';
import { locate, type Located } from '../../../src/io/machine/yaml-located.js';
import { loadMachine } from '../../../src/io/machine/load-machine.js';
import { parseYaml } from '../../../src/io/yaml/source.js';
import { InputError } from '../../../src/run/input-error.js';
import { REPO_ROOT } from '../../shared-dir.js';
import { e820Machine } from '../../../bench/scale.js';

/** yaml's answer, or the error it gives. */
function slow(text: string): Located | { error: string } {
  try {
    const src = parseYaml(text, 'f.yaml');
    return locate(src.doc.contents, src);
  } catch (e) {
    if (e instanceof InputError) return { error: e.message };
    throw e;
  }
}

/** The property: no answer, or yaml's answer. Returns whether the fast reader answered. */
function agrees(text: string): boolean {
  const fast = locateFast(text);
  if (fast === undefined) return false;
  const s = slow(text);
  assert.ok(!('error' in s), `the fast reader accepted what yaml refuses (${'error' in s ? s.error : ''}):\n${text}`);
  assert.deepStrictEqual(fast, s, text);
  return true;
}

type Node =
  | { k: 'scalar'; s: string; q: 'plain' | 'dq' | 'sq' }
  | { k: 'text'; lines: string[]; h: '>' | '>-' | '|' | '|-' }
  | { k: 'map'; flow: boolean; entries: [string, Node, string][] }
  | { k: 'seq'; flow: boolean; sameIndent: boolean; items: Node[] };

// Scalars a machine file holds, then ones on the core schema's edges and strings yaml may read
// as something else (weighted so that a good share of documents is in the subset).
const SCALARS = ['WB', 'usable', 'ACPI NVS', '0000:01:00.0', '0x1F', '0xA0000', '256G', '2 GiB', '6.10', '46', 'true', 'x86-64'];
const EDGES = [
  '0X10', '0o17', '017', '+5', '-0', '1.', '.5', '1e3', '1E+3', '.inf', '-.Inf', '.NaN', 'null', 'Null', '~', '', 'True', 'FALSE', 'yes',
  '9007199254740993', '18446744073709551615', 'a: b', 'a #b', 'a#b', 'x,y', '[x]', '{x}', '-', '- a', '-1', '?x', ':x', 'foo:', 'é', "it's",
  'a\\b', '#x', ' lead', 'trail ', 'a  b', '&a', '*a', '!t', '%d', '@x', '`x`', '|', '>',
];
const arbScalar = fc.oneof({ weight: 4, arbitrary: fc.constantFrom(...SCALARS) }, { weight: 1, arbitrary: fc.constantFrom(...EDGES) });
const KEYS = ['start', 'end', 'type', 'name', 'size', 'a.b', 'x-y', '_k', 'k', 'children'];
const ODD_KEYS = ['null', 'true', 'Yes', '0x1', 'a b', '-k', 'k:', '"q"'];
const arbKey = fc.oneof({ weight: 6, arbitrary: fc.constantFrom(...KEYS) }, { weight: 1, arbitrary: fc.constantFrom(...ODD_KEYS) });
const COMMENTS = ['', '', '', '', ' # note', '  #x', ' #', '#glued'];
const LINES = ['a line', 'of text', '# not a comment', 'x: y', 'a line', 'of text', '  indented', ''];

const arbEntries = (node: fc.Arbitrary<Node>) =>
  fc.uniqueArray(fc.tuple(arbKey, node, fc.constantFrom(...COMMENTS)), { minLength: 1, maxLength: 4, selector: (e) => e[0] });

const arbNode: fc.Arbitrary<Node> = fc.letrec<{ node: Node }>((tie) => ({
  node: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.record({ k: fc.constant('scalar' as const), s: arbScalar, q: fc.constantFrom('plain' as const, 'plain' as const, 'plain' as const, 'dq' as const, 'sq' as const) }),
    fc.record({ k: fc.constant('text' as const), lines: fc.array(fc.constantFrom(...LINES), { minLength: 1, maxLength: 3 }), h: fc.constantFrom('>' as const, '>-' as const, '|' as const, '|-' as const) }),
    fc.record({ k: fc.constant('map' as const), flow: fc.boolean(), entries: arbEntries(tie('node')) }),
    fc.record({ k: fc.constant('seq' as const), flow: fc.boolean(), sameIndent: fc.boolean(), items: fc.array(tie('node'), { minLength: 1, maxLength: 4 }) }),
  ),
})).node;

function scalarText(n: Extract<Node, { k: 'scalar' }>): string {
  return n.q === 'dq' ? `"${n.s}"` : n.q === 'sq' ? `'${n.s}'` : n.s;
}

/** One line of flow text, or null where the node has no flow form (a block scalar). */
function flow(n: Node): string | null {
  if (n.k === 'scalar') return scalarText(n);
  if (n.k === 'text') return null;
  const parts = n.k === 'map' ? n.entries.map(([k, v]) => (flow(v) === null ? null : `${k}: ${flow(v)}`)) : n.items.map(flow);
  if (parts.some((p) => p === null)) return null;
  return n.k === 'map' ? `{ ${parts.join(', ')} }` : `[${parts.join(', ')}]`;
}

/** `n` as the value after `head` (a `key:` or a `-`) at column `ind`. */
function block(n: Node, ind: number, head: string, comment: string): string[] {
  const pad = ' '.repeat(ind);
  const f = flow(n);
  if (n.k === 'scalar' || ((n.k === 'map' || n.k === 'seq') && n.flow && f !== null)) return [`${pad}${head} ${f}${comment}`];
  if (n.k === 'text') return [`${pad}${head} ${n.h}`, ...n.lines.map((l) => (l === '' ? '' : `${pad}  ${l}`))];
  if (n.k === 'map') {
    if (head === '-') {
      // A list item's map starts on the dash's line.
      const [first, ...rest] = n.entries.flatMap(([k, v, c]) => block(v, ind + 2, `${k}:`, c));
      return [`${pad}- ${first!.trimStart()}`, ...rest];
    }
    return [`${pad}${head}${comment}`, ...n.entries.flatMap(([k, v, c]) => block(v, ind + 2, `${k}:`, c))];
  }
  const inner = n.sameIndent && head !== '-' ? ind : ind + 2;
  return [`${pad}${head}${comment}`, ...n.items.flatMap((v) => block(v, inner, '-', ''))];
}

/**
 * Whether a document is one the fast reader must answer: machine-file scalars and keys, block
 * scalars of even lines, spaced comments (and no `:` in a plain scalar inside a flow collection,
 * no block list as a block list's item).
 */
function inSubset(n: Node, inFlow: boolean): boolean {
  if (n.k === 'scalar') return SCALARS.includes(n.s) && !(inFlow && n.q === 'plain' && n.s.includes(':'));
  if (n.k === 'text') return n.lines.every((l) => l !== '' && !l.startsWith(' '));
  const flowHere = inFlow || (n.flow && flow(n) !== null);
  if (n.k === 'map') return n.entries.every(([k, v, c]) => KEYS.includes(k) && (flowHere || c !== '#glued') && inSubset(v, flowHere));
  // A list directly in a block list (`-` alone on its line) is left to yaml.
  return n.items.every((v) => inSubset(v, flowHere) && (flowHere || v.k !== 'seq' || (v.flow && flow(v) !== null)));
}

function documentOf(entries: [string, Node, string][], blankEvery: number): string {
  const lines = entries.flatMap(([k, v, c], i) => [...(blankEvery > 0 && i % blankEvery === 0 ? ['', '# a comment'] : []), ...block(v, 0, `${k}:`, c)]);
  return lines.join('\n') + '\n';
}

const arbDoc = fc.record({
  entries: arbEntries(arbNode),
  blankEvery: fc.nat(3),
});

test('on generated documents, the fast reader gives yaml’s values and positions, or leaves the text to yaml', (t) => {
  let answered = 0;
  let must = 0;
  fc.assert(
    fc.property(arbDoc, ({ entries, blankEvery }) => {
      const text = documentOf(entries, blankEvery);
      const did = agrees(text);
      if (did) answered++;
      // The subset is what it says: a document of machine-file scalars, keys and layouts is read.
      if (entries.every(([k, v, c]) => KEYS.includes(k) && c !== '#glued' && inSubset(v, false))) {
        must++;
        assert.ok(did, `not read by the fast reader:\n${text}`);
      }
    }),
    { numRuns: 10000 },
  );
  // Not vacuous: many documents are in the subset.
  t.diagnostic(`${answered} of 10000 read by the fast reader, ${must} of them in the subset it must read`);
  assert.ok(must > 1000 && answered >= must, `${answered} answered, ${must} in the subset, of 10000`);
});

const arbEdit = fc.tuple(fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }), fc.constantFrom(' ', '\n', ':', '#', '-', '{', '}', '[', ']', ',', '"', "'", '>', '|', '&', '*', '!', '\t', 'x', '0', ''), fc.boolean());
const edit = (base: string, [at, ch, remove]: [number, string, boolean]): string => {
  const i = Math.floor(at * base.length);
  return remove ? base.slice(0, i) + base.slice(i + 1) : base.slice(0, i) + ch + base.slice(i);
};

test('one character inserted or removed anywhere: still yaml’s answer, or none', () => {
  const base = readFileSync(join(REPO_ROOT, 'machines', 'desktop-x86-64.yaml'), 'utf8');
  assert.ok(agrees(base));
  fc.assert(
    fc.property(arbEdit, (e) => {
      agrees(edit(base, e));
    }),
    { numRuns: 3000 },
  );
  fc.assert(
    fc.property(arbDoc, fc.array(arbEdit, { minLength: 1, maxLength: 3 }), ({ entries, blankEvery }, edits) => {
      agrees(edits.reduce(edit, documentOf(entries, blankEvery)));
    }),
    { numRuns: 5000 },
  );
});

test('the shipped machines and the bench’s 20 000-entry e820 table are read by the fast reader, as yaml reads them', () => {
  const dir = join(REPO_ROOT, 'machines');
  const files = readdirSync(dir).filter((f) => f.endsWith('.yaml') && f !== 'index.yaml');
  assert.ok(files.length >= 8);
  for (const f of files) assert.ok(agrees(readFileSync(join(dir, f), 'utf8')), f);
  assert.ok(agrees(e820Machine(20000)));
});

test('a machine file outside the subset still loads, and a syntax error is still yaml’s, at its line', () => {
  const anchored = 'preset: small-x86-64\nname: &n anchored\ndescription: *n\n';
  assert.equal(locateFast(anchored), undefined);
  assert.equal(loadMachine(anchored, 'a.yaml').name, 'anchored');
  const bad = 'preset: small-x86-64\ncpu: { cpus: 2\n';
  assert.equal(locateFast(bad), undefined);
  assert.throws(() => loadMachine(bad, 'b.yaml'), (e: unknown) => e instanceof InputError && /^b\.yaml:\d+:\d+: YAML syntax error/.test(e.message));
  // A file that is only a preset's name.
  assert.equal(loadMachine('small-x86-64\n', 'c.yaml').name, 'small-x86-64');
});

test('a machine file nested deeper than the stack is a positioned error, not a crash', () => {
  const deep = `name: x\narch: x86-64\ncpu: ${'['.repeat(100_000)}${']'.repeat(100_000)}\n`;
  assert.equal(locateFast(deep), undefined);
  assert.throws(
    () => loadMachine(deep, 'deep.yaml'),
    (e: unknown) => e instanceof InputError && /^deep\.yaml:3:\d+: YAML syntax error: collections nested too deeply to read: expected a shallower document$/.test(e.message),
  );
});
