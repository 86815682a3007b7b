/**
 * A call trace read from its file on every run (src/io/trace/call-trace-file.ts), as
 * `patlab compare` reads one: the same steps, machine and errors as the trace read as one text,
 * for random traces good and bad; the same comparison, with and without the HTML views' detail,
 * in this thread and in the workers; and which files are read that way.
 */

import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { cpSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import fc from '../../fc.js';
import { isCallTraceFile, openCallTraceFile } from '../../../src/io/trace/call-trace-file.js';
import { isFullCallTrace, loadCallTrace, replayCallTrace } from '../../../src/io/trace/call-trace.js';
import { readBeside } from '../../../src/io/read-file.js';
import { compareScenario } from '../../../src/run/compare.js';
import { selectPolicies } from '../../../src/policy/registry.js';
import { stepsOf, type Scenario } from '../../../src/run/scenario.js';
import { compareParallel } from '../../../src/run/parallel.js';
import { REPO_ROOT } from '../../shared-dir.js';

const WORKER = new URL('../../../src/cli/compare-worker.js', import.meta.url);
import { inTempDir, inTempDirAsync } from '../../temp-dir.js';

const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
const TRACES = join(REPO_ROOT, 'test', 'fixtures', 'call-traces');

/** What reading gives: the scenario's machine and steps, or the error's text. */
function outcome(read: () => Scenario): unknown {
  try {
    const sc = read();
    return { machine: sc.machine, steps: [...stepsOf(sc)] };
  } catch (e) {
    return { error: e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e) };
  }
}

/** Lines random traces are made of: headers in and out of place, good and bad calls, dumps, marks, comments. */
const LINES = [
  'machine desktop-x86-64',
  'machine small-686-pae',
  'machine desktop-x86_64',
  'machine ./missing.yaml',
  'kernel 6.1',
  'kernel 6.2',
  'kernel',
  '# a comment',
  '',
  '   ',
  'alloc_pages gfp=GFP_KERNEL as=p',
  'alloc_pages gfp=GFP_HIGHUSER as=p comm=Xorg pid=7',
  'set_pages_array_wc pages=p',
  'set_pages_array_wc pages=q',
  'ioremap_wc phys=0xd0000000 size=4K as=io  # calls.log:3 ret=0x0',
  'ioremap_wc phys=0xd0000000',
  'ioremap_wc phys sise=4K',
  'lookup_address addr=io',
  'iounmap addr=io',
  'reserve 0xd0000000 0xd0001000 write-combining',
  'pat off',
  'dump',
  'dump now',
  'mark here',
  'mark',
];

test('a trace read from its file gives what the trace read as one text gives: machine, steps, or the same first error', () =>
  inTempDir((dir) => {
    const path = join(dir, 't.trace');
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...LINES), { maxLength: 12 }), fc.boolean(), (lines, machineFirst) => {
        const text = (machineFirst ? ['machine desktop-x86-64', ...lines] : lines).join('\n') + '\n';
        writeFileSync(path, text);
        const held = outcome(() => loadCallTrace(text, path, readBeside));
        assert.deepEqual(outcome(() => openCallTraceFile(path, readBeside, 0)), held, text);
        assert.deepEqual(outcome(() => openCallTraceFile(path, readBeside)), held, text);
        // The reader checks the header as it goes; replay checks it over the whole text first
        // (traceHeader), then parses: the error that wins must be the same.
        if (isFullCallTrace(text) && 'error' in (held as object))
          assert.deepEqual(outcome(() => (replayCallTrace(text, { file: path, readFile: readBeside }), { file: '', name: '', machine: null!, steps: [] })), held, text);
      }),
      { numRuns: 400 },
    );
  }));

test('isCallTraceFile: a file whose first lines other than comments are `machine` (and `kernel`); not YAML, v1, a late `machine`, standard input or a missing file', () =>
  inTempDir((dir) => {
    const is = (text: string): boolean => {
      writeFileSync(join(dir, 'f'), text);
      return isCallTraceFile(join(dir, 'f'));
    };
    assert.equal(is('machine desktop-x86-64\nalloc_pages gfp=GFP_KERNEL\n'), true);
    assert.equal(is('# patlab import\n\nkernel 6.1\nmachine ./m.yaml\n'), true);
    assert.equal(is('kernel 6.1\nram 0x100000 0x40000000\n'), false);
    assert.equal(is('name: x\nmachine: desktop-x86-64\nsteps: []\n'), false);
    assert.equal(is('ram 0x100000 0x40000000\nmachine desktop-x86-64\n'), false);
    assert.equal(isCallTraceFile('-'), false);
    assert.equal(isCallTraceFile(join(dir, 'absent')), false);
  }));

for (const name of ['pages-and-inserts.trace', 'highmem-ttm.trace']) {
  test(`compare of ${name} read from its file is the comparison of it held whole, with and without detail`, () => {
    const path = join(TRACES, name);
    const policies = selectPolicies('all');
    for (const detail of [false, true]) {
      const sc = openCallTraceFile(path, readBeside, 0);
      assert.ok(sc.source && sc.steps.length === 0, 'read again on each run, not held');
      const streamed = compareScenario(sc, policies, { detail });
      const held = compareScenario(loadCallTrace(readFileSync(path, 'utf8'), path, readBeside), policies, { detail });
      assert.deepEqual(streamed, held);
    }
  });
}

test('the workers read a trace read again on each run from its file, and say what one thread says; a stopped run still names the step that left its handle empty', async () => {
  await inTempDirAsync(async (dir) => {
    cpSync(join(REPO_ROOT, 'test', 'fixtures', 'record', 'amd64-6.1-ttm-teardown'), join(dir, 'b'), { recursive: true });
    const imp = spawnSync(process.execPath, [CLI, 'import', 'b', '-o', 'm.yaml', '--calls', 't.trace'], { cwd: dir, encoding: 'utf8' });
    assert.equal(imp.status, 0, imp.stderr);
    writeFileSync(join(dir, 's.trace'), 'machine desktop-x86-64\nioremap_wc phys=0xd0000000 size=0 as=io\nlookup_address addr=io\n');
    const policies = selectPolicies('baseline,insert-honours-prot,vm-insert-pages-pgprot');
    const streamed = ['t.trace', 's.trace'].map((f) => openCallTraceFile(join(dir, f), readBeside, 0));
    const inWorkers = await compareParallel(streamed, policies, 2, { detail: false, worker: WORKER });
    const held = ['t.trace', 's.trace'].map((f) => compareScenario(loadCallTrace(readFileSync(join(dir, f), 'utf8'), join(dir, f), readBeside), policies, { detail: false }));
    assert.deepEqual(inWorkers, held);
    const stop = inWorkers[1]!.policies[0]!.errors.at(-1)!;
    assert.equal(stop.what, "not run: 'io' has no value (step 1, ioremap_wc, returned none under this design); the run stops here");
    // The default worker (the run layer's) cannot read files: it says so, as an error of the task.
    await assert.rejects(compareParallel(streamed.slice(1), policies.slice(0, 1), 1, { detail: false }), /cannot read the steps of/);
  });
});

test('patlab compare of a recorded trace through the CLI: the same bytes with one thread and with two', () =>
  inTempDir((dir) => {
    cpSync(join(REPO_ROOT, 'test', 'fixtures', 'record', 'amd64-6.1-ttm-teardown'), join(dir, 'b'), { recursive: true });
    const imp = spawnSync(process.execPath, [CLI, 'import', 'b', '-o', 'm.yaml', '--calls', 't.trace'], { cwd: dir, encoding: 'utf8' });
    assert.equal(imp.status, 0, imp.stderr);
    const compare = (threads: string): string => {
      const r = spawnSync(process.execPath, [CLI, 'compare', 't.trace', '--threads', threads, '--format', 'json'], { cwd: dir, encoding: 'utf8' });
      assert.equal(r.status, 0, r.stderr);
      return r.stdout;
    };
    assert.equal(compare('2'), compare('1'));
  }));
