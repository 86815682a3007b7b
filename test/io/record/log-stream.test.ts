/**
 * The call log streamed (docs/record.md §5): read a chunk at a time, each outermost call
 * handed on once it and every call entered before it have returned; the same calls, the
 * same trace and the same errors as the log read whole, whatever the chunk size.
 */

import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from '../../fc.js';
import { CacheModeTables } from '../../../src/hw/pte.js';
import { CallLogReader, parseCallLog, readCallLog, type RecordedCall } from '../../../src/io/record/log.js';
import { callLogToTrace, callTraceConverter, type RecordContext } from '../../../src/io/record/to-trace.js';
import { InputError } from '../../../src/run/input-error.js';
import { inTempDir } from '../../temp-dir.js';

const X86_64: RecordContext = { arch: 'x86-64', tables: CacheModeTables.fromMsr(0x0007010600070106n), pageOffset: 0n, highmemStartPfn: null };

const ser = (c: RecordedCall): unknown => ({ name: c.name, line: c.line, pid: c.pid, comm: c.comm, ts: c.ts, args: c.args.entries(), ret: c.ret, children: c.children.map(ser) });

/** The log in `text` read from a file `chunk` bytes at a time: the calls as handed on, or the error. */
function streamed(text: string, chunk: number): { calls: unknown[]; total: number; counts: [string, number][]; trace: string[] } | { error: string } {
  return inTempDir((dir) => {
    const path = join(dir, 'calls.log');
    writeFileSync(path, text);
    const calls: unknown[] = [];
    const trace: string[] = [];
    const conv = callTraceConverter(X86_64, (t) => trace.push(t));
    try {
      const s = readCallLog(path, (c) => (calls.push(ser(c)), conv.call(c)), chunk);
      conv.finish();
      return { calls, total: s.total, counts: [...s.counts], trace };
    } catch (e) {
      if (!(e instanceof InputError)) throw e;
      return { error: e.message.replace(path, 'calls.log') };
    }
  });
}

function whole(text: string): ReturnType<typeof streamed> {
  try {
    const log = parseCallLog(text, 'calls.log');
    return { calls: log.calls.map(ser), total: log.total, counts: [...log.counts], trace: callLogToTrace(log, X86_64, []).lines.map((l) => l.text) };
  } catch (e) {
    if (!(e instanceof InputError)) throw e;
    return { error: e.message };
  }
}

const ev = (pid: number, name: string, fields: string): string => `  cömm-${pid} [000] ..... 1.000000: ${name}: (${name.replace(/__ret$/, '')}+0x0/0x10) ${fields}`;
const UTF8_LOG = [
  ev(7, 'ioremap_wc', 'offset=0xfd000000 size=0x1000 comm="Xörg 😀"'),
  ev(7, 'memtype_reserve', 'start=0xfd000000 end=0xfd001000 req_type=0x1 new_type=0x0 comm="Xörg 😀"'),
  ev(7, 'memtype_reserve__ret', 'ret=0x0'),
  ev(7, 'ioremap_wc__ret', 'ret=0xffffc90000045000'),
  ev(7, 'iounmap', 'addr=0xffffc90000045000 comm="Xörg 😀"'),
  ev(7, 'iounmap__ret', ''),
].join('\n') + '\n';

test('chunks ending inside a line or a UTF-8 character give the calls and trace of the log read whole', () => {
  const want = whole(UTF8_LOG);
  assert.ok(!('error' in want));
  assert.equal(want.total, 3);
  assert.match(want.trace[0]!, /^ioremap_wc phys=0xfd000000 size=0x1000 as=io0 comm="Xörg 😀" pid=7 {2}# calls\.log:1 ret=0xffffc90000045000$/);
  for (const chunk of [1, 2, 3, 5, 13, 100]) assert.deepEqual(streamed(UTF8_LOG, chunk), want, `chunk ${chunk}`);
});

test('a CRLF log is the same log', () => {
  const crlf = UTF8_LOG.replace(/\n/g, '\r\n');
  assert.deepEqual(streamed(crlf, 7), whole(UTF8_LOG));
});

test('a truncated last line is FILE:LINE:COL, however the log is read', () => {
  // Cut inside a field name: the field is not NAME=VALUE.
  const cut = UTF8_LOG.slice(0, UTF8_LOG.indexOf('req_type') + 3);
  const err = whole(cut);
  assert.deepEqual(err, { error: "calls.log:2:107: expected NAME=VALUE fields after the event's location" });
  for (const chunk of [1, 4, 64]) assert.deepEqual(streamed(cut, chunk), err);
  // A last line that is a comment or ends in a lone \r has no newline either: cut short.
  for (const [tail, line, col] of [['# recording stopp', 7, 18], [`${ev(7, 'iounmap', 'addr=0x1')}\r`, 7, 69]] as const) {
    const e = { error: `calls.log:${line}:${col}: the log ends in the middle of a line: expected a whole trace line (truncated log?)` };
    assert.deepEqual(whole(UTF8_LOG + tail), e);
    assert.deepEqual(streamed(UTF8_LOG + tail, 3), e);
  }
});

test('an entry without a return at the end of the log is handed on at the end, after the calls entered before it and before those entered after it', () => {
  const handed: [string, number][] = [];
  let at = 0;
  const r = new CallLogReader('calls.log', (c) => handed.push([c.name, at]));
  const lines = [
    ev(1, 'memtype_reserve', 'start=0x1000 end=0x2000 req_type=0x1 new_type=0x0'),
    ev(1, 'memtype_reserve__ret', 'ret=0x0'),
    ev(1, 'ttm_pool_alloc', 'pool=0x1 tt=0x2 ctx=0x3'), // never returns
    ev(2, 'memtype_free', 'start=0x1000 end=0x2000'),
    ev(2, 'memtype_free__ret', 'ret=0x0'),
    ev(1, 'memtype_reserve', 'start=0x3000 end=0x4000 req_type=0x1 new_type=0x0'),
    ev(1, 'memtype_reserve__ret', 'ret=0x0'),
  ];
  lines.forEach((l, i) => r.line(l, (at = i + 1)));
  at = 0;
  const s = r.end({ name: 'calls.log', lines: lines.length, unterminated: null });
  // The first call as soon as it returned; pid 2's waits behind pid 1's open ttm_pool_alloc, in entry order.
  assert.deepEqual(handed, [['memtype_reserve', 2], ['ttm_pool_alloc', 0], ['memtype_free', 0]]);
  assert.equal(s.total, 4);
});

test('each outermost call is handed on as soon as it has returned: what is held is the calls still open', () => {
  let handed = 0;
  const r = new CallLogReader('calls.log', () => handed++);
  for (let i = 0; i < 1000; i++) {
    r.line(ev(3, 'set_memory_wb', `addr=0xffff888000${(i * 4096).toString(16).padStart(7, '0')} numpages=0x1 page_offset_base=0xffff888000000000`), 3 * i + 1);
    r.line(ev(3, 'memtype_free', 'start=0x1000 end=0x2000'), 3 * i + 2);
    assert.equal(handed, i);
    r.line(ev(3, 'set_memory_wb__ret', 'ret=0x0'), 3 * i + 3); // pops memtype_free too: its return was missed
    assert.equal(handed, i + 1);
  }
});

/** Lines of a random log: entries and returns on three tasks, nesting, missed and stray returns, comments, blank and bad lines. */
const logLines = fc.array(
  fc.record({
    pid: fc.integer({ min: 1, max: 3 }),
    kind: fc.constantFrom('enter', 'enter', 'ret', 'ret', 'stray', 'comment', 'blank', 'bad'),
    fn: fc.integer({ min: 0, max: 5 }),
    v: fc.integer({ min: 0, max: 3 }),
    crlf: fc.boolean(),
  }),
  { maxLength: 60 },
);
const FNS: [string, (v: number) => string][] = [
  ['memtype_reserve', (v) => `start=0x${(v + 1).toString(16)}000 end=0x${(v + 2).toString(16)}000 req_type=0x${v % 2} new_type=0x0`],
  ['ioremap_wc', (v) => `offset=0xfd00${v}000 size=0x1000 comm="Xörg"`],
  ['iounmap', (v) => `addr=0xffffc900000${v}0000`],
  ['set_pages_array_wc', (v) => `pages=0xffff888102dafa80 pages_0=0xffffea00040b2${v}c0 addrinarray=0x1 vmemmap_base=0xffffea0000000000`],
  ['vmf_insert_pfn_prot', (v) => `vma=0x1 vma_start=0x7f0000000000 vma_end=0x7f0000004000 vma_flags=0x80044fb addr=0x7f000000${v}000 pfn=0x10${v} pgprot=0x800000000000002f`],
  ['ttm_pool_alloc', () => 'pool=0x1 tt=0x2 ctx=0x3'],
];

function renderLog(ops: { pid: number; kind: string; fn: number; v: number; crlf: boolean }[]): string {
  const stacks = new Map<number, string[]>();
  const out: string[] = [];
  for (const o of ops) {
    const stack = stacks.get(o.pid) ?? [];
    stacks.set(o.pid, stack);
    const [name, fields] = FNS[o.fn]!;
    let line: string;
    if (o.kind === 'enter') {
      stack.push(name);
      line = ev(o.pid, name, fields(o.v));
    } else if (o.kind === 'ret' && stack.length > 0) {
      // The innermost call's return, or (v = 0) the one below it: the innermost's was missed.
      const n = o.v === 0 && stack.length > 1 ? stack.splice(-2)[0]! : stack.pop()!;
      line = ev(o.pid, `${n}__ret`, n === 'iounmap' ? '' : `ret=0x${o.v === 3 ? 'ffffc90000010000' : o.v}`);
    } else if (o.kind === 'ret' || o.kind === 'stray') line = ev(o.pid, `${name}__ret`, 'ret=0x0');
    else if (o.kind === 'comment') line = '# a comment';
    else if (o.kind === 'blank') line = '   ';
    else line = o.v === 0 ? 'garbage' : ev(o.pid, name, 'start=zz');
    out.push(line + (o.crlf ? '\r' : ''));
  }
  return out.join('\n') + '\n';
}

test('property: a log read in random chunk sizes gives the calls, trace and errors of the log read whole', () => {
  fc.assert(
    fc.property(logLines, fc.integer({ min: 1, max: 80 }), fc.boolean(), (ops, chunk, cutEnd) => {
      let text = renderLog(ops);
      if (cutEnd) text = text.slice(0, -1 - (chunk % 5)); // a last line without its newline, maybe cut inside
      assert.deepEqual(streamed(text, chunk), whole(text));
    }),
    { numRuns: 200 },
  );
});

