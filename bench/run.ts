/**
 * `npm run bench`: speed and memory figures, measured in one run, with growth
 * ratios t(10N)/t(N) (issue 3). Not a test: it prints figures, asserts nothing.
 *
 * memtype replay: the performance traces of ../shared/golden/memtype/
 * gen-memtype-traces.py (`perf distinct N`: N distinct reservations, N
 * lookups, N frees; `perf shared N`: N identical reservations then N frees).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { replayMemtypeTrace } from '../src/io/trace/memtype-trace.js';
import { SHARED_DIR } from '../test/shared-dir.js';
import { compareParallel } from '../src/run/parallel.js';
import { DEBATE_SUITE } from '../src/io/compare/debate-suite.js';
import { loadScenarioFile } from '../src/io/scenario/load.js';
import { POLICIES, selectPolicies } from '../src/policy/registry.js';
import { benchMm } from './mm.js';
import { benchTtm } from './ttm.js';
import { benchExplore } from './explore.js';
import { benchScale } from './scale.js';
import { benchCli, medianWall } from './cli.js';
import { benchWeb } from './web.js';
import { benchRecord } from './record.js';

const GEN = join(SHARED_DIR, 'golden', 'memtype', 'gen-memtype-traces.py');
const CACHE = join(tmpdir(), 'patlab-bench-traces');

function trace(kind: 'distinct' | 'shared', n: number): string {
  mkdirSync(CACHE, { recursive: true });
  const f = join(CACHE, `${kind}-${n}.trace`);
  if (!existsSync(f)) writeFileSync(f, execFileSync('python3', [GEN, 'perf', kind, String(n)], { maxBuffer: 1 << 30 }));
  return readFileSync(f, 'utf8');
}

function gc(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

interface Row {
  kind: string;
  n: number;
  ops: number;
  seconds: number;
  phases: Record<string, number>;
  outLines: number;
}

function replay(kind: 'distinct' | 'shared', n: number): Row {
  const text = trace(kind, n);
  gc();
  const marks: { label: string; t: number }[] = [];
  const t0 = performance.now();
  const out = replayMemtypeTrace(text, { file: `${kind}-${n}`, onMark: (label) => marks.push({ label, t: performance.now() }) });
  const t1 = performance.now();
  const phases: Record<string, number> = {};
  for (let i = 0; i + 1 < marks.length; i++) phases[marks[i]!.label] = (marks[i + 1]!.t - marks[i]!.t) / 1000;
  let ops = 0;
  for (const line of text.split('\n')) if (/^(reserve|free|lookup) /.test(line)) ops++;
  const outLines = out.length === 0 ? 0 : out.split('\n').length - 1;
  if (outLines !== ops) throw new Error(`${kind} ${n}: ${outLines} output lines for ${ops} operations`);
  if (kind === 'shared' && /err|log:/.test(out)) throw new Error('shared trace: a reservation or free failed');
  return { kind, n, ops, seconds: (t1 - t0) / 1000, phases, outLines };
}

function fmt(r: Row): string {
  const ph = Object.entries(r.phases)
    .map(([k, v]) => `${k} ${v.toFixed(3)}s`)
    .join(', ');
  return `${r.kind.padEnd(8)} N=${String(r.n).padStart(7)}  ops=${String(r.ops).padStart(8)}  ${r.seconds.toFixed(3)} s  ${Math.round(r.ops / r.seconds).toLocaleString('en-US').padStart(11)} ops/s  (${ph})`;
}

async function benchSuite(): Promise<void> {
  console.log('\ncompare: the built-in debate suite, as `patlab compare` runs it for text/json (worker threads, one per CPU up to 4):');
  const load = (names: (n: string) => boolean) =>
    DEBATE_SUITE.filter((s) => names(s.name)).map((s) => loadScenarioFile(s.yaml, s.name));
  const small = load((n) => n !== 'scattered-1e5-pages');
  const big = load((n) => n === 'scattered-1e5-pages');
  // Every single design, then `all` (those plus the notable compositions).
  for (const [label, policies] of [
    [`the ${POLICIES.length} designs`, selectPolicies(POLICIES.map((p) => p.name).join(','))],
    [`all (${POLICIES.length} designs + compositions)`, selectPolicies('all')],
  ] as const) {
    let t0 = performance.now();
    await compareParallel(small, policies, undefined, { detail: false });
    const tSmall = (performance.now() - t0) / 1000;
    t0 = performance.now();
    await compareParallel(big, policies, undefined, { detail: false });
    const tBig = (performance.now() - t0) / 1000;
    console.log(`  ${label}: ${small.length} scenarios x ${policies.length}: ${tSmall.toFixed(2)} s (target < 5 s); with scattered-1e5-pages ${(tSmall + tBig).toFixed(2)} s (target < 10 s)`);
  }
}

/** CLI start-up: the median of 5 runs of `patlab --help` and of `patlab policies`, beside `node -e 0`. */
function benchStartup(): void {
  console.log('\nCLI start-up (median of 5 wall-clock runs):');
  const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
  const median = (args: string[]): number => medianWall(args, 5);
  const bare = median(['-e', '0']);
  const help = median([cli, '--help']);
  const pol = median([cli, 'policies']);
  console.log(`  node -e 0 ${bare.toFixed(3)} s; patlab --help ${help.toFixed(3)} s; patlab policies ${pol.toFixed(3)} s (--help over bare node: ${(help - bare).toFixed(3)} s)`);
}

async function section(which: string): Promise<void> {
  if (which === 'startup') benchStartup();
  else if (which === 'memtype') {
    console.log('\nmemtype replay (gen-memtype-traces.py perf):');
    const d5 = replay('distinct', 100_000);
    console.log(fmt(d5));
    const d6 = replay('distinct', 1_000_000);
    console.log(fmt(d6));
    console.log(`  growth t(1e6)/t(1e5) distinct = ${(d6.seconds / d5.seconds).toFixed(2)}  (kernel native, as the issue measured it: 3.8 s / 0.24 s = 15.8; target for 1e6: <= 7.6 s; side by side: npm run bench:native)`);
    const s4 = replay('shared', 10_000);
    console.log(fmt(s4));
    const s5 = replay('shared', 100_000);
    console.log(fmt(s5));
    console.log(`  growth t(1e5)/t(1e4) shared = ${(s5.seconds / s4.seconds).toFixed(2)}  (kernel native: 30 s / 0.26 s = 115, quadratic; target <= 15)`);
  } else if (which === 'mm') benchMm();
  else if (which === 'ttm') benchTtm();
  else if (which === 'suite') await benchSuite();
  else if (which === 'explore') await benchExplore();
  else if (which === 'scale') benchScale();
  else if (which === 'record') benchRecord();
  else if (which === 'cli') benchCli();
  else if (which === 'web') await benchWeb();
  else throw new Error(`unknown bench section '${which}': expected startup, memtype, mm, ttm, suite, explore, scale, record, cli or web`);
  console.log(`  peak RSS (${which}): ${(process.resourceUsage().maxRSS / 1024).toFixed(1)} MiB`);
}

const SECTIONS = ['startup', 'memtype', 'mm', 'ttm', 'suite', 'explore', 'scale', 'record', 'cli', 'web'];

/** Each section runs in its own process, so its peak RSS is its own. */
async function main(): Promise<void> {
  const which = process.argv[2] ?? 'all';
  if (which !== 'all') return section(which);
  console.log(`patlab bench (node ${process.version}, ${process.arch})`);
  for (const s of SECTIONS) {
    const r = spawnSync(process.execPath, ['--expose-gc', fileURLToPath(import.meta.url), s], { stdio: 'inherit' });
    if (r.status !== 0) process.exitCode = r.status ?? 1;
  }
}

void main();
