/**
 * Malformed memtype traces (FORMAT §6): each class gives one line
 * `FILE:LINE:COL: what was expected` on stderr, exit code 2, no stdout and no
 * stack trace. Runs the real CLI.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { REPO_ROOT } from '../shared-dir.js';

const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
const dir = mkdtempSync(join(tmpdir(), 'patlab-trace-'));

function run(args: string[], input?: string): { code: number | null; out: string; err: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], { input, encoding: 'utf8' });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

const HDR = 'pat on\nram 0x100000 0x40000000\nmtrr default uc\n';

const cases: { name: string; text: string; line: number; col: number; msg: RegExp }[] = [
  { name: 'unknown keyword', text: HDR + 'reserv 0x0 0x1000 write-back\n', line: 4, col: 1, msg: /unknown keyword 'reserv': expected .*reserve/ },
  { name: 'unknown mode', text: HDR + 'reserve 0xd0000000 0xd0001000 wc\n', line: 4, col: 31, msg: /unknown cache mode 'wc': expected one of write-back, write-combining/ },
  { name: 'unknown MTRR type', text: 'mtrr default write-back\n', line: 1, col: 14, msg: /unknown MTRR type 'write-back': expected one of uc, wc, wt, wp, wb/ },
  { name: 'bad number', text: HDR + 'free 0xd000zz00 0xd0001000\n', line: 4, col: 6, msg: /bad number '0xd000zz00' for <start>: expected 0x-prefixed hex or decimal/ },
  { name: 'number above 2^64', text: HDR + 'lookup 0x10000000000000000\n', line: 4, col: 8, msg: /bad number .*at most 2\^64-1/ },
  { name: 'header after an operation', text: HDR + 'dump\nram 0x80000000 0x90000000\n', line: 5, col: 1, msg: /header line 'ram' after the first operation: expected header lines/ },
  { name: 'overlapping ram', text: 'ram 0x100000 0x200000\nram 0x1ff000 0x300000\n', line: 2, col: 5, msg: /overlaps ram \[0x100000, 0x200000\) of line 1: expected disjoint/ },
  { name: 'unaligned ram', text: 'ram 0x100800 0x200000\n', line: 1, col: 5, msg: /ram start 0x100800 is not page aligned/ },
  { name: 'empty ram', text: 'ram 0x200000 0x200000\n', line: 1, col: 14, msg: /expected start < end/ },
  { name: 'mtrr var size not a power of two', text: 'mtrr var 0x0 0x3000 wb\n', line: 1, col: 14, msg: /size 0x3000 is not a power of two/ },
  { name: 'mtrr var base unaligned', text: 'mtrr var 0x1000 0x2000 wb\n', line: 1, col: 10, msg: /base 0x1000 is not aligned to its size 0x2000/ },
  { name: 'mtrr var above 2^46', text: 'mtrr var 0x400000000000 0x1000 wb\n', line: 1, col: 10, msg: /ends above 2\^46/ },
  { name: 'mtrr var missing type', text: 'mtrr var 0x0 0x1000\n', line: 1, col: 20, msg: /missing MTRR type: expected 'mtrr var <base> <size> <type>'/ },
  { name: 'track unaligned', text: HDR + 'track 0xd0000800 0xd0001000 write-combining\n', line: 4, col: 7, msg: /start 0xd0000800 is not page aligned/ },
  { name: 'track empty', text: HDR + 'track 0xd0001000 0xd0001000 write-combining\n', line: 4, col: 18, msg: /empty range .*expected start < end/ },
  { name: 'untrack unaligned end', text: HDR + 'untrack 0xd0000000 0xd0000800\n', line: 4, col: 20, msg: /end 0xd0000800 is not page aligned/ },
  { name: 'pfn too large', text: HDR + 'insert-pfn 0x10000000000 write-back\n', line: 4, col: 12, msg: /pfn 0x10000000000 is not below 2\^40/ },
  { name: 'extra token', text: HDR + 'dump now\n', line: 4, col: 6, msg: /unexpected 'now': expected end of line after 'dump'/ },
  { name: 'tom2 below 4 GiB without fixed ranges', text: 'mtrr default uc\nmtrr tom2 0x80000000\ndump\n', line: 2, col: 11, msg: /not modelled: a TOM2 at or below 4 GiB/ },
];

for (const c of cases) {
  test(`malformed trace: ${c.name}`, () => {
    const f = join(dir, c.name.replace(/\W+/g, '-') + '.trace');
    writeFileSync(f, c.text);
    const r = run(['memtype-replay', f]);
    assert.equal(r.code, 2, r.err);
    assert.equal(r.out, '');
    const lines = r.err.split('\n').filter(Boolean);
    assert.equal(lines.length, 1, r.err);
    const m = /^(.*):(\d+):(\d+): (.*)$/.exec(lines[0]!);
    assert.ok(m, lines[0]);
    assert.equal(m[1], f);
    assert.equal(Number(m[2]), c.line, lines[0]);
    assert.equal(Number(m[3]), c.col, lines[0]);
    assert.match(m[4]!, c.msg);
    assert.doesNotMatch(r.err, /\bat .*\.js:\d+/);
  });
}

test('stdin is read with -, and errors name <stdin>', () => {
  const ok = run(['memtype-replay', '-'], HDR + 'lookup 0xd0000000\n');
  assert.equal(ok.code, 0);
  assert.equal(ok.out, 'uncached-minus\n');
  const bad = run(['memtype-replay', '-'], 'bogus\n');
  assert.equal(bad.code, 2);
  assert.equal(bad.err.trim().split(':').slice(0, 3).join(':'), '<stdin>:1:1');
});

test('a missing file is an input error, not a crash', () => {
  const r = run(['memtype-replay', join(dir, 'nope.trace')]);
  assert.equal(r.code, 2);
  assert.match(r.err, /nope\.trace:1:1: no such file/);
});

test('an unknown kernel version is refused with the choices', () => {
  const r = run(['memtype-replay', '--kernel', '5.4', '-'], 'dump\n');
  assert.equal(r.code, 2);
  assert.match(r.err, /unknown kernel version '5\.4': expected one of mainline, 6\.12, 6\.6, 6\.1/);
});
