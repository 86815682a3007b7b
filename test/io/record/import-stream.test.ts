/**
 * `patlab import --calls` streamed, as the CLI runs it: byte for byte the trace and report
 * the importer wrote before it streamed, on four logs 6.1-amd64 and 6.1-686-pae recorded
 * (test/fixtures/record/README.md); nothing written for a bad log; `--check` reading the
 * trace back; the same trace whatever the chunk size.
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { importBundle } from '../../../src/io/capture/import.js';
import { importCallLog } from '../../../src/io/record/import.js';
import { REPO_ROOT } from '../../shared-dir.js';
import { inTempDir } from '../../temp-dir.js';

const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
const FIXTURES = join(REPO_ROOT, 'test', 'fixtures', 'record');

const ev = (pid: number, name: string, fields: string): string => `  k-${pid} [000] ..... 1.000000: ${name}: (${name.replace(/__ret$/, '')}+0x0/0x10) ${fields}`;

/** `patlab import bundle -o m.yaml --calls t.trace --check` in a copy of fixture bundle `b`. */
function cliImport(b: string, calls?: string): { status: number | null; stderr: string; trace: string | null; left: string[] } {
  return inTempDir((dir) => {
    cpSync(join(FIXTURES, b), join(dir, 'bundle'), { recursive: true });
    if (calls !== undefined) writeFileSync(join(dir, 'bundle', 'calls.log'), calls);
    const r = spawnSync(process.execPath, [CLI, 'import', 'bundle', '-o', 'm.yaml', '--calls', 't.trace', '--check'], { cwd: dir, encoding: 'utf8' });
    const trace = existsSync(join(dir, 't.trace')) ? readFileSync(join(dir, 't.trace'), 'utf8') : null;
    return { status: r.status, stderr: r.stderr, trace, left: readdirSync(dir).sort() };
  });
}

for (const b of ['amd64-6.1-ioremap', 'amd64-6.1-ttm', '686-pae-6.1-lowmem-highmem', '686-pae-6.1-highmem-pae']) {
  test(`import --calls --check of ${b} writes, byte for byte, the trace and report the importer wrote before it streamed`, () => {
    const r = cliImport(b);
    assert.equal(r.status, 0, r.stderr);
    assert.equal(r.trace, readFileSync(join(FIXTURES, `${b}.trace`), 'utf8'));
    assert.equal(r.stderr, readFileSync(join(FIXTURES, `${b}.stderr`), 'utf8'));
    assert.deepEqual(r.left, ['bundle', 'm.yaml', 't.trace']);
  });
}

test("with the teardown recorded, TTM's zap before the pages go back to WB is replayed, and the WC/WB alias a log without it showed is gone", () =>
  inTempDir((dir) => {
    // amd64-6.1-ttm: recorded before the teardown was traced; amd64-6.1-ttm-teardown: the same scenario with it (README.md).
    const aliased = (b: string): { pages: number; trace: string; stderr: string } => {
      cpSync(join(FIXTURES, b), join(dir, b), { recursive: true });
      const r = spawnSync(process.execPath, [CLI, 'import', b, '-o', `${b}.yaml`, '--calls', `${b}.trace`, '--check'], { cwd: dir, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      const c = spawnSync(process.execPath, [CLI, 'compare', `${b}.trace`, '--policies', 'baseline', '--format', 'json'], { cwd: dir, encoding: 'utf8' });
      assert.equal(c.status, 0, c.stderr);
      const v = (JSON.parse(c.stdout) as { verdict: { policy: string; aliasedPages: number }[] }).verdict;
      return { pages: v.find((x) => x.policy === 'baseline')!.aliasedPages, trace: readFileSync(join(dir, `${b}.trace`), 'utf8'), stderr: r.stderr };
    };
    const before = aliased('amd64-6.1-ttm');
    assert.match(before.stderr, /no teardown of user mappings/);
    assert.equal(before.pages, 8, 'the BO pages, WC in the user PTEs and WB in the direct map at the end');
    const after = aliased('amd64-6.1-ttm-teardown');
    assert.doesNotMatch(after.stderr, /no teardown of user mappings/);
    const calls = after.trace.split('\n').filter((l) => /^\w/.test(l) && !l.startsWith('machine ')).map((l) => l.split(' ')[0]);
    // ttm_bo_unmap_virtual's zap of the first BO's 8 pages, then the exit's munmaps, then the pool's set_pages_wb.
    assert.deepEqual(calls.filter((c) => /^(zap_page_range_single|munmap|set_pages_wb)$/.test(c!)), ['zap_page_range_single', 'munmap', 'munmap', 'set_pages_wb']);
    assert.match(after.trace, /^zap_page_range_single addr=vm0 size=0x8000 /m);
    assert.equal(after.pages, 0);
  }));

test('a trace to a pipe (/dev/stdout) is the same lines, its temporary file kept elsewhere', () =>
  inTempDir((dir) => {
    cpSync(join(FIXTURES, 'amd64-6.1-ttm'), join(dir, 'bundle'), { recursive: true });
    const r = spawnSync('sh', ['-c', `"${process.execPath}" "${CLI}" import bundle -o m.yaml --calls /dev/stdout | cat`], { cwd: dir, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr);
    const want = readFileSync(join(FIXTURES, 'amd64-6.1-ttm.trace'), 'utf8').split('\n');
    const got = r.stdout.split('\n');
    assert.match(got[1]!, /^machine \S+\/m\.yaml$/);
    assert.deepEqual(got.slice(2), want.slice(2));
    assert.deepEqual(readdirSync(dir).sort(), ['bundle', 'm.yaml']);
  }));

test('a bad line writes no trace and leaves no temporary file', () => {
  const log = readFileSync(join(FIXTURES, 'amd64-6.1-ttm', 'calls.log'), 'utf8').split('\n');
  log.splice(30, 0, 'not a trace line');
  const r = cliImport('amd64-6.1-ttm', log.join('\n'));
  assert.equal(r.status, 2);
  assert.match(r.stderr, /^bundle\/calls\.log:31:1: expected a trace line/m);
  assert.equal(r.trace, null);
  assert.deepEqual(r.left, ['bundle', 'm.yaml']);
});

test('--check reads a negative return back from the trace it wrote', () => {
  const r = cliImport('amd64-6.1-ttm', `${ev(5, 'memtype_reserve', 'start=0x1000 end=0x2000 req_type=0x1 new_type=0x0')}\n${ev(5, 'memtype_reserve__ret', 'ret=-22')}\n`);
  assert.match(r.trace!, / {2}# calls\.log:1 ret=0x-16\n$/);
  assert.match(r.stderr, /^ {2}(agrees|differs) {2,3}memtype_reserve \(calls\.log:1\): (real )?-EINVAL/m);
});

test('the import reads the same trace in 1-byte chunks as in 1 MiB ones', () => {
  inTempDir((dir) => {
    const bundle = join(FIXTURES, 'amd64-6.1-ioremap');
    const m = importBundle(bundle).machine;
    importCallLog(bundle, m, './m.yaml', join(dir, 'a.trace'), 1);
    importCallLog(bundle, m, './m.yaml', join(dir, 'b.trace'));
    assert.equal(readFileSync(join(dir, 'a.trace'), 'utf8'), readFileSync(join(dir, 'b.trace'), 'utf8'));
  });
});
