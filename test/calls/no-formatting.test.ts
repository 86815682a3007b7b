/**
 * The call table returns typed values and leaves their text to io (issue 13
 * item 2; src/io/render/out-value.ts): no call body in src/calls, nor a
 * design's call in src/policy, calls a formatter. Kernel messages
 * (`k.log.*(...)`) and model-limit errors (`throw new ...(...)`) are text by
 * nature and are not outputs, so they are left out of the scan.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '../shared-dir.js';

const FORMATTERS = /\bcattrName\(|\bcacheModeShort\(|\bhex\(|\.toString\(16\)|\bvmFaultName\(|\bvmFlagNames\(|\bdescribeIoremap\(|\bttmCachingName\(|\berrnoName\(/g;

/** The index just past the end of the string literal, template or comment starting at `i`, or -1 when none starts there. */
function skipLiteral(s: string, i: number): number {
  const c = s[i];
  if (c === "'" || c === '"') {
    let j = i + 1;
    while (j < s.length && s[j] !== c) j += s[j] === '\\' ? 2 : 1;
    return j + 1;
  }
  if (c === '`') {
    let j = i + 1;
    while (j < s.length && s[j] !== '`') {
      if (s[j] === '\\') j += 2;
      else if (s[j] === '$' && s[j + 1] === '{') j = closing(s, j + 1) + 1;
      else j++;
    }
    return j + 1;
  }
  if (c === '/' && s[i + 1] === '/') return s.indexOf('\n', i) < 0 ? s.length : s.indexOf('\n', i);
  if (c === '/' && s[i + 1] === '*') return s.indexOf('*/', i + 2) + 2;
  return -1;
}

/** The index of the bracket closing the one at `open`, across strings, templates and comments. */
function closing(s: string, open: number): number {
  let depth = 0;
  for (let i = open; i < s.length; ) {
    const end = skipLiteral(s, i);
    if (end >= 0) {
      i = end;
      continue;
    }
    if ('([{'.includes(s[i]!)) depth++;
    else if (')]}'.includes(s[i]!) && --depth === 0) return i;
    i++;
  }
  throw new Error(`unbalanced bracket at ${open}`);
}

/** `s` with comments and every span of `re` (ending in an open parenthesis) through its closing one blanked out. */
function without(s: string, re: RegExp): string {
  let out = '';
  for (let i = 0; i < s.length; ) {
    re.lastIndex = i;
    const m = re.exec(s);
    const lit = skipLiteral(s, i);
    if (m && m.index === i) {
      const end = closing(s, i + m[0].length - 1) + 1;
      out += ' '.repeat(end - i);
      i = end;
    } else if (lit >= 0) {
      out += s[i] === '/' ? s.slice(i, lit).replace(/[^\n]/g, ' ') : s.slice(i, lit);
      i = lit;
    } else out += s[i++];
  }
  return out;
}

const MESSAGES = /throw new \w+\(|\bk\.log\.\w+\(/y;

/** Each formatter call in `code` outside kernel messages and errors, as `line: text` (the line of `source`, which `code` is a part of, lines kept). */
export function formattingIn(code: string, source = code): string[] {
  const clean = without(code, MESSAGES);
  const hits: string[] = [];
  for (const m of clean.matchAll(FORMATTERS)) {
    const line = clean.slice(0, m.index).split('\n').length;
    hits.push(`${line}: ${source.split('\n')[line - 1]!.trim()}`);
  }
  return hits;
}

/** The calls a design module defines: each `defineCall(...)` / `pagesInsertCall(...)` with its arguments (the body included). */
export function callsIn(code: string): string[] {
  const out: string[] = [];
  for (const m of code.matchAll(/\b(defineCall|pagesInsertCall)\(/g)) {
    const open = m.index + m[0].length - 1;
    // Keep the lines before it blank so hits keep their line numbers.
    out.push(code.slice(0, m.index).replace(/[^\n]/g, ' ') + code.slice(m.index, closing(code, open) + 1));
  }
  return out;
}

test('the scan finds a formatter in a result and not in a message or an error', () => {
  const body = [
    'const r = (k, a) => {',
    "  if (!vma) throw new NotModelledError(`no VMA at ${hex(a.addr)} (see \"docs\")`);",
    "  k.log.refuse('f', `addr ${hex(a.addr)}`, 'VM_FAULT_SIGBUS'); // hex(a.addr) in a comment",
    '  return { fields: { pfn: hex(e.pfn), type: { mode: m } } };',
    '};',
  ].join('\n');
  assert.deepEqual(formattingIn(body), ['4: return { fields: { pfn: hex(e.pfn), type: { mode: m } } };']);
  for (const f of ['cattrName(m)', "'0x' + v.toString(16)", 'vmFaultName(r.ret)', 'vmFlagNames(v.flags)', 'describeIoremap(r)', 'ttmCachingName(c)', 'errnoName(-r)'])
    assert.equal(formattingIn(`return { fields: { x: ${f} } };`).length, 1, f);
  assert.deepEqual(formattingIn('return { fields: { x: { addr: va }, y: { fault: f } } };'), []);
  const design = "import { pagesInsertCall } from '../calls/vm-calls.js';\nconst x = hex(1);\nconst call = pagesInsertCall('n', 'doc (a) b', 'd', (k) => ({ fields: { t: cattrName(1) } }));\n";
  assert.deepEqual(callsIn(design).flatMap((c) => formattingIn(c, design)), ["3: const call = pagesInsertCall('n', 'doc (a) b', 'd', (k) => ({ fields: { t: cattrName(1) } }));"]);
});

test('no call body formats its outputs: src/calls and the designs\u2019 calls in src/policy return typed values', () => {
  const hits: string[] = [];
  const dir = (d: string): string[] => readdirSync(join(REPO_ROOT, d)).filter((f) => f.endsWith('.ts')).map((f) => join(d, f));
  for (const f of dir('src/calls')) hits.push(...formattingIn(readFileSync(join(REPO_ROOT, f), 'utf8')).map((h) => `${f}:${h}`));
  let designCalls = 0;
  for (const f of dir('src/policy')) {
    const code = readFileSync(join(REPO_ROOT, f), 'utf8');
    const calls = callsIn(code);
    designCalls += calls.length;
    for (const c of calls) hits.push(...formattingIn(c, code).map((h) => `${f}:${h}`));
  }
  assert.ok(designCalls >= 3, `found ${designCalls} design calls: the scan must see them`);
  assert.deepEqual(hits, [], 'a call formats an output: return the typed value (OutValue, src/calls/types.ts) and let io/render/out-value.ts give its text');
});
