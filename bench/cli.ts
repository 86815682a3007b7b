/**
 * Whole-command figures of issue 14, as a user meets them: wall-clock time of the CLI process,
 * start-up included (median of 3 runs; each run's peak RSS is the child's own). `npm start` (the
 * built-in suite under every design), the suite's HTML report (time and size),
 * `ioremap-huge-leaves` under every design, and `patlab run` of a 5-step scenario. Prints,
 * asserts nothing.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { REPO_ROOT } from '../test/shared-dir.js';

const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

/** Median wall seconds of `node ARGS` over `n` runs, in the repository; throws when the process fails. */
export function medianWall(nodeArgs: string[], n = 3): number {
  const ts: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    const r = spawnSync(process.execPath, nodeArgs, { cwd: REPO_ROOT, encoding: 'utf8', maxBuffer: 64 * 2 ** 20 });
    ts.push((performance.now() - t0) / 1000);
    if (r.status !== 0) throw new Error(`node ${nodeArgs.join(' ')} exited ${r.status}: ${r.stderr.split('\n')[0]}`);
  }
  return ts.sort((a, b) => a - b)[Math.floor(n / 2)]!;
}

/** Median wall seconds of `patlab ARGS`. */
const wall = (args: string[], n = 3): number => medianWall([CLI, ...args], n);

export function benchCli(): void {
  console.log('\nwhole commands (wall clock, start-up included, median of 3):');
  const start = wall(['compare']);
  console.log(`  npm start (patlab compare: the built-in suite under every design): ${start.toFixed(2)} s (target < 5 s on 2 cores)`);
  const dir = mkdtempSync(join(tmpdir(), 'patlab-bench-'));
  try {
    const out = join(dir, 'report.html');
    const report = wall(['compare', '--format', 'html', '-o', out]);
    console.log(`  the suite's HTML report: ${report.toFixed(2)} s, ${(statSync(out).size / 1e6).toFixed(2)} MB (targets < 5 s, < 1 MB)`);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const huge = wall(['compare', 'scenarios/spec03/ioremap-huge-leaves.yaml']);
  console.log(`  patlab compare scenarios/spec03/ioremap-huge-leaves.yaml (every design): ${huge.toFixed(2)} s (target < 2 s)`);
  const run = wall(['run', 'scenarios/suite/ttm-highmem-wc.yaml'], 5);
  console.log(`  patlab run scenarios/suite/ttm-highmem-wc.yaml (5 steps), median of 5: ${run.toFixed(3)} s (target < 0.3 s)`);
}
