/**
 * `patlab run` of a call trace (src/cli/run.ts): its text is written as the steps run, from the
 * file, and is what runToText prints for the trace read as one text: through the CLI, with and
 * without a design, and for the steps read again from the file (a trace too large to hold).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { runHeadText, runTailText, runToText, stepText } from '../../src/io/render/run-text.js';
import { openCallTraceFile } from '../../src/io/trace/call-trace-file.js';
import { loadCallTrace } from '../../src/io/trace/call-trace.js';
import { readBeside } from '../../src/io/read-file.js';
import { selectPolicies } from '../../src/policy/registry.js';
import { KERNEL_DRIVER } from '../../src/run/driver.js';
import { runScenario, runScenarioPaced } from '../../src/run/execute.js';
import { REPO_ROOT } from '../shared-dir.js';

const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
const TRACES = join(REPO_ROOT, 'test', 'fixtures', 'call-traces');
const files = readdirSync(TRACES).filter((f) => f.endsWith('.trace'));

test('patlab run of a call trace prints what runToText prints for it read whole, with and without --policy', () => {
  assert.ok(files.length >= 2);
  for (const f of files) {
    const path = join(TRACES, f);
    for (const design of [undefined, 'ram-in-tree']) {
      const r = spawnSync(process.execPath, [CLI, 'run', path, ...(design ? ['--policy', design] : [])], { encoding: 'utf8' });
      const sc = loadCallTrace(readFileSync(path, 'utf8'), path, readBeside);
      const o = runScenario(sc, KERNEL_DRIVER, design ? { hooks: selectPolicies(design)[0]!.hooks } : {});
      assert.equal(r.stdout, (design ? `design: ${design}\n` : '') + runToText(o), `${f} ${design ?? ''}`);
      assert.equal(r.status, o.failures.length > 0 ? 1 : 0);
      assert.ok(o.steps.length > 5, `${f}: the trace has steps`);
    }
  }
});

test('run paced, with its steps read from the file and no outcome kept: the same text, a pause every N steps', async () => {
  for (const f of files) {
    const path = join(TRACES, f);
    const whole = runToText(runScenario(loadCallTrace(readFileSync(path, 'utf8'), path, readBeside), KERNEL_DRIVER));
    // holdUpTo 0: the steps are not held, they are read again from the file as the run goes.
    const sc = openCallTraceFile(path, readBeside, 0);
    assert.ok(sc.source !== undefined && sc.steps.length === 0);
    let text = runHeadText(sc);
    let pauses = 0;
    const o = await runScenarioPaced(sc, KERNEL_DRIVER, { keepOutcome: () => false, onOutcome: (s) => void (text += stepText(s)) }, 2, async () => void pauses++);
    assert.equal(o.steps.length, 0);
    assert.equal(text + runTailText(o), whole, f);
    const ran = (whole.match(/^\[\d+\] /gm) ?? []).length;
    assert.equal(pauses, Math.floor(ran / 2));
  }
});
