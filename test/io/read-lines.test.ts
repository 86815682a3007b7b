/**
 * Reading a file line by line a chunk at a time (src/io/read-lines.ts): whatever the chunk
 * size, and wherever a chunk ends (inside a line, inside a UTF-8 character), the lines are
 * those of the whole file decoded at once; a `\r` is the caller's to strip; a last line
 * without its newline is a line, reported unterminated.
 */
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from '../fc.js';
import { LineSplitter, readLines } from '../../src/io/read-lines.js';
import { InputError } from '../../src/run/input-error.js';
import { inTempDir } from '../temp-dir.js';

/** What reading the whole text at once gives: its `\n`-separated pieces, without the empty one after a final newline. */
function wholeLines(text: string): { lines: string[]; unterminated: string | null } {
  if (text === '') return { lines: [], unterminated: null };
  const lines = text.split('\n');
  const last = lines.pop()!;
  if (last !== '') lines.push(last);
  return { lines, unterminated: last === '' ? null : last };
}

function withFile(bytes: Buffer | string, f: (path: string) => void): void {
  inTempDir((dir) => {
    const path = join(dir, 'f.txt');
    writeFileSync(path, bytes);
    f(path);
  });
}

function read(path: string, chunk: number): { lines: string[]; numbers: number[]; unterminated: string | null } {
  const lines: string[] = [];
  const numbers: number[] = [];
  const r = readLines(path, (l, n) => (lines.push(l), numbers.push(n)), chunk);
  assert.equal(r.lines, lines.length);
  return { lines, numbers, unterminated: r.unterminated };
}

const TEXT = 'Xörg-1211 comm="Xörg 😀 ü"\nplain\n\n€uro at the end without newline 😀';

test('chunks ending inside a line or inside a UTF-8 character give the lines of the whole file', () => {
  withFile(TEXT, (path) => {
    const want = wholeLines(TEXT);
    for (const chunk of [1, 2, 3, 4, 5, 7, 64, 1 << 20]) {
      const got = read(path, chunk);
      assert.deepEqual(got.lines, want.lines, `chunk ${chunk}`);
      assert.deepEqual(got.numbers, [1, 2, 3, 4]);
      assert.equal(got.unterminated, '€uro at the end without newline 😀');
    }
  });
});

test('CRLF: the \\r stays on the line, for the caller to strip', () => {
  withFile('a\r\nb\r\n', (path) => {
    const got = read(path, 3);
    assert.deepEqual(got.lines, ['a\r', 'b\r']);
    assert.equal(got.unterminated, null);
  });
});

test('an empty file has no lines; one ending with a newline has no unterminated line', () => {
  withFile('', (path) => assert.deepEqual(read(path, 4), { lines: [], numbers: [], unterminated: null }));
  withFile('\n', (path) => assert.deepEqual(read(path, 4), { lines: [''], numbers: [1], unterminated: null }));
});

test('a byte sequence that is not UTF-8 decodes as the whole file would, wherever it is cut', () => {
  const bytes = Buffer.from([0x61, 0xe2, 0x82, 0x0a, 0xf0, 0x9f, 0x98, 0x80, 0xff, 0x0a, 0xc3]);
  withFile(bytes, (path) => {
    for (const chunk of [1, 2, 3]) assert.deepEqual(read(path, chunk).lines, wholeLines(bytes.toString('utf8')).lines);
  });
});

test('a line longer than the limit is an InputError at its line, column 1', () => {
  const s = new LineSplitter('big.log', () => {}, 10);
  s.pushText('short\n');
  assert.throws(() => s.pushText('0123456789abc'), (e: unknown) => e instanceof InputError && e.message.startsWith('big.log:2:1: a line longer than 10 characters'));
  const whole = new LineSplitter('big.log', () => {}, 10);
  assert.throws(() => whole.pushText('0123456789abc\n'), (e: unknown) => e instanceof InputError && e.message.startsWith('big.log:1:1: a line longer'));
});

test('what is not a readable regular file is an InputError at 1:1, as readTextFile says it', () =>
  inTempDir((dir) => {
    mkdirSync(join(dir, 'sub'));
    assert.throws(() => readLines(join(dir, 'sub'), () => {}), (e: unknown) => e instanceof InputError && /:1:1: is a directory: expected a regular file$/.test(e.message));
    assert.throws(() => readLines(join(dir, 'none'), () => {}), /:1:1: no such file: expected a readable file$/);
  }));

test('property: bytes pushed in random pieces give the lines of the whole decoded at once', () => {
  // Bytes weighted to newlines, carriage returns and the lead and continuation bytes of UTF-8.
  const byte = fc.oneof(fc.constantFrom(0x0a, 0x0d, 0x20, 0x61, 0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80), fc.integer({ min: 0, max: 255 }));
  fc.assert(
    fc.property(fc.array(byte, { maxLength: 200 }), fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 20 }), (arr, cuts) => {
      const bytes = Buffer.from(arr);
      const lines: string[] = [];
      const s = new LineSplitter('p', (l) => lines.push(l));
      for (let at = 0, i = 0; at < bytes.length; i++) {
        const n = cuts[i % cuts.length]!;
        s.pushBytes(bytes.subarray(at, at + n));
        at += n;
      }
      const r = s.end();
      const want = wholeLines(bytes.toString('utf8'));
      assert.deepEqual(lines, want.lines);
      assert.equal(r.unterminated, want.unterminated);
      assert.equal(r.lines, want.lines.length);
    }),
  );
});
