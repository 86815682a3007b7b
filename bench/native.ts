/**
 * `npm run bench:native` (issue 14): patlab's memtype replay side by side with the kernel's own
 * memtype code compiled natively (gcc -O2), on the same performance traces, in one run.
 *
 * The kernel code is not in this repository: the bench extracts it at build time from Debian's
 * linux-source-6.1 package (`apt-get install linux-source-6.1`, /usr/src/linux-source-6.1.tar.xz):
 * arch/x86/mm/pat/memtype_interval.c, lib/rbtree.c, the rbtree and interval-tree headers, and
 * from memtype.c the functions memtype_reserve, memtype_free, lookup_memtype and the two they
 * call (sanitize_phys, pat_x_mtrr_type), taken whole by name. They compile over patlab's own
 * stand-in headers (bench/native/patlab-stub.h) with patlab's driver (bench/native/harness.c),
 * which replays a trace and prints what patlab's replayer prints, so the two outputs are also
 * compared byte for byte. Timed: the native operations (parsing excluded) and the native process
 * (parsing included); patlab's replayMemtypeTrace of the same text, whole and from the trace's
 * first mark to its last (its operations, each line read as it is replayed).
 * Optional: without the package it says so and exits 1.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { replayMemtypeTrace } from '../src/io/trace/memtype-trace.js';
import { SHARED_DIR } from '../test/shared-dir.js';

const TARBALL = '/usr/src/linux-source-6.1.tar.xz';
const ROOT = 'linux-source-6.1';
const HERE = fileURLToPath(new URL('../../bench/native/', import.meta.url));
const GEN = join(SHARED_DIR, 'golden', 'memtype', 'gen-memtype-traces.py');
/** The kernel headers the extracted files include that patlab stands in for (each one line: the stub header). */
const STUBBED = ['compiler', 'rcupdate', 'container_of', 'stddef', 'export', 'seq_file', 'debugfs', 'kernel', 'sched', 'gfp', 'pgtable', 'init'];
/** memtype.c's functions the driver calls, and those they call that it does not stand in for. */
const FUNCTIONS = ['sanitize_phys', 'pat_x_mtrr_type', 'memtype_reserve', 'memtype_free', 'lookup_memtype'];

/** Function `name`'s definition in `src`: from the line that names it at the start of a definition to the first `}` alone on a line. */
function definition(src: string[], name: string): string {
  const start = src.findIndex((l) => new RegExp(`^[a-z].*\\b${name}\\(`).test(l) && !l.trimEnd().endsWith(';'));
  if (start < 0) throw new Error(`bench:native: ${name} not found in memtype.c`);
  const end = src.indexOf('}', start);
  return src.slice(start, end + 1).join('\n');
}

function build(dir: string): string {
  const files = [
    'arch/x86/mm/pat/memtype.c',
    'arch/x86/mm/pat/memtype.h',
    'arch/x86/mm/pat/memtype_interval.c',
    'lib/rbtree.c',
    ...['rbtree', 'rbtree_types', 'rbtree_augmented', 'interval_tree_generic'].map((h) => `include/linux/${h}.h`),
  ];
  execFileSync('tar', ['-xJf', TARBALL, '-C', dir, ...files.map((f) => `${ROOT}/${f}`)]);
  const k = join(dir, ROOT);
  const inc = join(dir, 'inc');
  mkdirSync(join(inc, 'linux'), { recursive: true });
  mkdirSync(join(inc, 'asm'), { recursive: true });
  for (const h of ['rbtree', 'rbtree_types', 'rbtree_augmented', 'interval_tree_generic']) writeFileSync(join(inc, 'linux', `${h}.h`), readFileSync(join(k, 'include', 'linux', `${h}.h`)));
  for (const h of STUBBED) writeFileSync(join(inc, 'linux', `${h}.h`), '#include "patlab-stub.h"\n');
  writeFileSync(join(inc, 'asm', 'memtype.h'), '#include "patlab-stub.h"\n');
  const memtype = readFileSync(join(k, 'arch/x86/mm/pat/memtype.c'), 'utf8').split('\n');
  writeFileSync(join(k, 'arch/x86/mm/pat/memtype-fns.c'), ['#include <linux/rbtree.h>', '#include "memtype.h"', ...FUNCTIONS.map((f) => definition(memtype, f)), ''].join('\n'));
  const out = join(dir, 'memtype-native');
  const pat = join(k, 'arch/x86/mm/pat');
  execFileSync('gcc', ['-O2', '-w', '-std=gnu11', '-I', inc, '-I', HERE, '-I', pat, join(HERE, 'harness.c'), join(pat, 'memtype_interval.c'), join(k, 'lib/rbtree.c'), '-o', out], { stdio: 'inherit' });
  return out;
}

function gcNow(): void {
  (globalThis as { gc?: () => void }).gc?.();
}

function main(): void {
  if (!existsSync(TARBALL)) {
    console.log(`bench:native: ${TARBALL} is not here: it needs Debian's linux-source-6.1 (apt-get install linux-source-6.1)`);
    process.exit(1);
  }
  const dir = mkdtempSync(join(tmpdir(), 'patlab-native-'));
  try {
    const bin = build(dir);
    console.log(`bench:native: the kernel's memtype code (linux-source-6.1) built with gcc -O2; patlab's replay of the same traces, in this process`);
    for (const [kind, n] of [['distinct', 100_000], ['distinct', 1_000_000], ['shared', 10_000], ['shared', 30_000]] as const) {
      const text = execFileSync('python3', [GEN, 'perf', kind, String(n)], { maxBuffer: 1 << 30, encoding: 'utf8' });
      let t0 = performance.now();
      const r = spawnSync(bin, { input: text, maxBuffer: 1 << 30, encoding: 'utf8' });
      const nativeWall = (performance.now() - t0) / 1000;
      const m = /^native-seconds (\S+) ops (\d+)$/m.exec(r.stderr);
      if (r.status !== 0 || !m) throw new Error(`native replay failed (${r.status}): ${r.stderr}`);
      gcNow();
      t0 = performance.now();
      const marks: number[] = [];
      const ours = replayMemtypeTrace(text, { file: `${kind}-${n}`, onMark: () => marks.push(performance.now()) });
      const patlab = (performance.now() - t0) / 1000;
      // From the trace's first mark to its last: the operations, each line's parsing included (patlab reads a line as it replays it).
      const patlabOps = marks.length >= 2 ? (marks[marks.length - 1]! - marks[0]!) / 1000 : NaN;
      const ops = Number(m[2]);
      const nativeOps = Number(m[1]);
      console.log(
        `  ${kind.padEnd(8)} N=${String(n).padStart(7)} ops=${String(ops).padStart(8)}: native ${nativeOps.toFixed(3)} s (operations), ${nativeWall.toFixed(3)} s (process, parsing included); patlab ${patlabOps.toFixed(3)} s (operations, from the first mark to the last), ${patlab.toFixed(3)} s (whole replay) = ${(patlabOps / nativeOps).toFixed(2)}x native operations, ${(patlab / nativeWall).toFixed(2)}x the native process; outputs ${ours === r.stdout ? 'identical' : 'DIFFER'}`,
      );
      if (ours !== r.stdout) process.exitCode = 1;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

main();
