/**
 * `patlab import --calls` at scale (issue 18, item 3): a synthetic call log of 10^5, 10^6 and
 * 10^7 calls (bench/record-log.ts: 6.1-amd64's lines, a GPU driver's buffer objects and
 * ioremaps) in a bundle over the amd64-1g-default capture, imported by the CLI in a child
 * process. Prints each size's generation time, the import's wall time and peak RSS (the
 * child's own, from a preload that reports process.resourceUsage at exit) and the growth
 * t(10^7)/t(10^5). Target: linear time, flat memory. Then `patlab compare` of the 10^4- to
 * 10^6-call traces under today's kernel and of the 10^4- and 10^5-call ones under every design,
 * with the growth from size to size. Prints,
 * asserts only that every call was counted and every replay exited 0.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { SHARED_DIR } from '../test/shared-dir.js';
import { SYNTHETIC_RECORD_INFO, writeSyntheticCallLog } from './record-log.js';

const CAPTURE = join(SHARED_DIR, 'captures', 'amd64-1g-default');
const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const MB = 1e6;

interface Row {
  calls: number;
  logBytes: number;
  generate: number;
  wall: number;
  rssMiB: number;
  traceBytes: number;
}

function importOnce(dir: string, n: number, hook: string, keepTrace: boolean): Row {
  const bundle = join(dir, `bundle-${n}`);
  mkdirSync(bundle);
  for (const f of readdirSync(CAPTURE)) copyFileSync(join(CAPTURE, f), join(bundle, f));
  writeFileSync(join(bundle, 'record-info.txt'), SYNTHETIC_RECORD_INFO);
  const log = join(bundle, 'calls.log');
  let t0 = performance.now();
  const calls = writeSyntheticCallLog(log, n);
  const generate = (performance.now() - t0) / 1000;
  const trace = join(dir, `calls-${n}.trace`);
  t0 = performance.now();
  const r = spawnSync(process.execPath, ['-r', hook, CLI, 'import', bundle, '-o', join(dir, `machine-${n}.yaml`), '--calls', trace], { encoding: 'utf8' });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0 || !r.stderr.includes(`: ${calls} calls recorded`)) throw new Error(`import of ${n} calls failed (${r.status}):\n${r.stderr.slice(-2000)}`);
  const rss = /^bench-maxrss (\d+)$/m.exec(r.stderr);
  const row = { calls, logBytes: statSync(log).size, generate, wall, rssMiB: Number(rss?.[1] ?? NaN) / 1024, traceBytes: statSync(trace).size };
  // 10^7 calls are 3.4 GB of log: make room before the next size.
  rmSync(bundle, { recursive: true, force: true });
  if (!keepTrace) rmSync(trace, { force: true });
  return row;
}

/** `patlab compare TRACE --threads 1` of an imported trace, in a child process: wall time and peak RSS. */
function replayOnce(dir: string, n: number, hook: string, policies: string): { wall: number; rssMiB: number; steps: number } {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, ['-r', hook, CLI, 'compare', join(dir, `calls-${n}.trace`), '--threads', '1', '--policies', policies, '--format', 'json'], { encoding: 'utf8', maxBuffer: 1 << 30 });
  const wall = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`replay of ${n} calls failed (${r.status}):\n${r.stderr.slice(-2000)}`);
  const rss = /^bench-maxrss (\d+)$/m.exec(r.stderr);
  // A step per line of the trace that is neither a comment nor its machine line.
  const steps = readFileSync(join(dir, `calls-${n}.trace`), 'utf8').split('\n').filter((l) => l !== '' && !l.startsWith('#') && !l.startsWith('machine ')).length;
  return { wall, rssMiB: Number(rss?.[1] ?? NaN) / 1024, steps };
}

/**
 * The replay of the imported traces (issue 18, item 3: compare over a recorded workload): 10^4,
 * 10^5 and 10^6 calls under today's kernel, 10^4 and 10^5 under every design. The trace is read
 * from its file for each design, not held (io/trace/call-trace-file.ts).
 */
function benchReplay(dir: string, hook: string): void {
  console.log('\nrecord: patlab compare of the imported traces (--threads 1), in a child process:');
  for (const [policies, sizes] of [['baseline', [10_000, 100_000, 1_000_000]], ['all', [10_000, 100_000]]] as const) {
    const rows = sizes.map((n) => {
      const r = replayOnce(dir, n, hook, policies);
      console.log(`  ${String(n).padStart(8)} calls (${r.steps} steps), --policies ${policies}: ${r.wall.toFixed(2)} s wall, ${Math.round(r.steps / r.wall).toLocaleString('en-US')} steps/s, peak RSS ${r.rssMiB.toFixed(0)} MiB`);
      return r;
    });
    const growth = rows.slice(1).map((r, i) => `t(1e${i + 5})/t(1e${i + 4}) = ${(r.wall / rows[i]!.wall).toFixed(2)}`);
    console.log(`  growth under ${policies}: ${growth.join(', ')} (linear: 10; each includes ~0.5 s of start-up), peak RSS ${rows.map((r) => r.rssMiB.toFixed(0)).join(' -> ')} MiB`);
  }
}

export function benchRecord(): void {
  console.log('\nrecord: patlab import --calls of a synthetic calls.log (bench/record-log.ts), in a child process:');
  const dir = mkdtempSync(join(tmpdir(), 'patlab-bench-record-'));
  try {
    const hook = join(dir, 'maxrss.cjs');
    writeFileSync(hook, "process.on('exit', () => process.stderr.write(`bench-maxrss ${process.resourceUsage().maxRSS}\\n`));\n");
    const rows: Row[] = [];
    for (const n of [10_000, 100_000, 1_000_000, 10_000_000]) {
      const r = importOnce(dir, n, hook, n <= 1_000_000);
      if (n < 100_000) continue;
      rows.push(r);
      console.log(
        `  ${String(r.calls).padStart(8)} calls (log ${(r.logBytes / MB).toFixed(0).padStart(4)} MB, generated in ${r.generate.toFixed(1)} s): import ${r.wall.toFixed(2)} s wall, ${Math.round(r.calls / r.wall).toLocaleString('en-US')} calls/s, peak RSS ${r.rssMiB.toFixed(0)} MiB; trace ${(r.traceBytes / MB).toFixed(0)} MB`,
      );
    }
    const [a, b, c] = rows as [Row, Row, Row];
    console.log(`  growth t(1e6)/t(1e5) = ${(b.wall / a.wall).toFixed(2)}, t(1e7)/t(1e5) = ${(c.wall / a.wall).toFixed(2)} (linear: 10 and 100; each includes ~0.5 s of start-up and machine import); peak RSS ${a.rssMiB.toFixed(0)} -> ${c.rssMiB.toFixed(0)} MiB`);
    benchReplay(dir, hook);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
