/** `patlab probe --capture` and `--sweep` (docs/probe.md §5): argument errors, then real boots where the kernels are installed. */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { findKernel, PROBE_KERNELS } from '../../src/io/probe/harness.js';
import { REPO_ROOT } from '../shared-dir.js';
import { bootedAgainNotes } from './boot-again.js';

const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');
function cli(...args: string[]) {
  const r = spawnSync(process.execPath, [CLI, 'probe', ...args], { encoding: 'utf8', timeout: 900_000 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

test('--capture / --sweep without -o, with a scenario, with both, or of an unknown machine: one line, exit 2', () => {
  const cases: [string[], RegExp][] = [
    [['--capture', 'amd64-1g-pc-qemu64'], /^<command line>:1:1: --capture needs -o DIR: where the bundle go\n$/],
    [['--sweep'], /^<command line>:1:1: --sweep needs -o DIR: where the bundles go\n$/],
    [['--capture', 'amd64-1g-pc-qemu64', '-o', '/tmp/x', 'scenarios/spec04/case01-highmem-insert-wc.yaml'], /^<command line>:1:1: --capture and --sweep boot machines, not scenarios: drop scenarios\/spec04\/case01-highmem-insert-wc\.yaml\n$/],
    [['--capture', 'a', '--sweep', '-o', '/tmp/x'], /^<command line>:1:1: --capture and --sweep: give one\n$/],
    [['--capture', 'no-such-shape', '-o', '/tmp/x'], /^<command line>:1:1: --capture 'no-such-shape': expected a shape of probe\/boot-sweep\.yaml, a machine preset \(patlab machines\) or a machine file\n$/],
    [[], /^<command line>:1:1: expected a scenario file, --capture SHAPE\|MACHINE or --sweep\n$/],
  ];
  for (const [args, want] of cases) {
    const r = cli(...args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.err, want, args.join(' '));
  }
});

test('a sweep file with a bad shape is a positioned error before anything boots', () => {
  const dir = mkdtempSync(join(tmpdir(), 'patlab-sweep-'));
  const f = join(dir, 's.yaml');
  spawnSync('sh', ['-c', `printf 'shapes:\\n  - { name: a, kernel: 6.1-686-pae, memory: 4G }\\n' > ${f}`]);
  const r = cli('--sweep', f, '-o', dir);
  assert.equal(r.code, 2);
  assert.match(r.err, /s\.yaml:2:45: memory 4096 MiB out of range for 6\.1-686-pae under qemu here: expected 128 to 3072 MiB\n$/);
});

// The boot sweep on the real kernels: every boot's predictions agree, or differ only by a known
// model limit (docs/capture-differences.md). This is what found the DirectMap1G difference of
// machines with more than 1 GiB above 4 GiB and 6.12's ECAM/DMI lines.
const missing = PROBE_KERNELS.map((k) => findKernel(k)).find((k) => 'missing' in k) as { missing: string } | undefined;
test('real kernels: the boot sweep writes one checked bundle per shape, and none differs beyond a known model limit', (t) => {
  if (missing) return t.skip(`kernel tests skipped: ${missing.missing}`);
  const out = mkdtempSync(join(tmpdir(), 'patlab-sweep-'));
  const r = cli('--sweep', '-o', out);
  for (const l of bootedAgainNotes(r.out)) t.diagnostic(l);
  assert.equal(r.code, 0, r.out + r.err);
  const shapes = readFileSync(join(REPO_ROOT, 'probe', 'boot-sweep.yaml'), 'utf8').match(/^ {2}- \{ name: /gm)!.length;
  assert.match(r.out, new RegExp(`^sweep: ${shapes}/${shapes} boots agree`, 'm'));
  assert.doesNotMatch(r.out, /DIFFERS|capture failed|does not import/);
  const dirs = readdirSync(out).filter((d) => d !== 'SUMMARY.txt');
  assert.equal(dirs.length, shapes);
  // A bundle has what check-capture reads, and the gbpages machines above 5 GiB of address space agree on DirectMap1G.
  for (const f of ['dmesg.txt', 'proc-meminfo.txt', 'proc-iomem.txt', 'cmdline.txt', 'qemu.txt', 'uname.txt']) assert.ok(readdirSync(join(out, 'amd64-8g-pc-max')).includes(f), f);
  assert.match(r.out, /capture amd64-8g-pc-max on 6\.1-amd64\n(?:.*\n)*? {2}check-capture \S+: \d+\/\d+ agree; differs by a known model limit: directmap_split\n/);
});
