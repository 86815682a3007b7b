/**
 * Every bundle in ../shared/captures (enumerated, so new bundles are picked
 * up) imports with no unreadable line, into a machine that the machine-file
 * loader reads back; a malformed bundle makes `patlab import` exit 2 with
 * file:line.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { importBundle } from '../../../src/io/capture/import.js';
import { dumpMachine } from '../../../src/io/machine/dump-machine.js';
import { loadMachine } from '../../../src/io/machine/load-machine.js';
import { REPO_ROOT, SHARED_DIR } from '../../shared-dir.js';

const CAPTURES = join(SHARED_DIR, 'captures');
const bundles = existsSync(CAPTURES) ? readdirSync(CAPTURES).filter((d) => statSync(join(CAPTURES, d)).isDirectory()).sort() : [];
const CLI = join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js');

test('the captures folder has bundles', { skip: !existsSync(CAPTURES) }, () => {
  assert.ok(bundles.length >= 6);
});

for (const b of bundles) {
  test(`import ${b}: no unreadable line; round-trips through the machine loader`, () => {
    const r = importBundle(join(CAPTURES, b));
    assert.deepEqual(r.issues, []);
    const back = loadMachine(r.yaml, `${b}.yaml`);
    assert.equal(dumpMachine(back), r.yaml);
    assert.equal(r.machine.kernel, '6.1');
    assert.ok(r.machine.e820.length > 0);
    assert.ok(r.machine.firmware !== undefined && r.machine.firmware.acpiTables.length > 0);
  });
}

test('imports read what each bundle shows', { skip: bundles.length === 0 }, () => {
  const nomtrr = importBundle(join(CAPTURES, 'amd64-1g-nomtrr')).machine;
  assert.equal(nomtrr.mtrr, null);
  assert.equal(nomtrr.cpu.mtrr, false);
  const nopat = importBundle(join(CAPTURES, 'amd64-1g-nopat')).machine;
  assert.equal(nopat.boot.nopat, true);
  const big = importBundle(join(CAPTURES, 'amd64-4g-cpumax-smp2')).machine;
  assert.equal(big.cpu.gbpages, true);
  assert.equal(big.cpu.nCpus, 2);
  const pae = importBundle(join(CAPTURES, 'i386pae-2g-cpumax')).machine;
  assert.equal(pae.arch, 'x86-32-pae');
  assert.equal(pae.cpu.gbpages, false);
  assert.equal(pae.maxLowPfn, 0x36ffe);
  const dbg = importBundle(join(CAPTURES, 'amd64-1g-debugpat-mtrrdebug'));
  assert.equal(dbg.machine.boot.debugpat, true);
  assert.deepEqual(dbg.machine.kernelImage, { start: 0x17e00000, end: 0x1b200000 });
  assert.deepEqual(dbg.machine.mtrr?.variable, [{ base: 0x80000000, size: 0x80000000, type: 0 }]);
  // Defaults are said, not silent.
  assert.ok(dbg.notes.some((n) => n.startsWith('firmware_pat:')));
  assert.ok(dbg.notes.some((n) => n.startsWith('mtrr: fixed ranges not printed')));
});

test('patlab import -o writes a machine file; a malformed line exits 2 with file:line', { skip: bundles.length === 0 }, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'patlab-import-'));
  try {
    const out = join(tmp, 'm.yaml');
    execFileSync('node', [CLI, 'import', join(CAPTURES, 'amd64-1g-default'), '-o', out], { stdio: 'pipe' });
    assert.equal(loadMachine(readFileSync(out, 'utf8'), out).name, 'amd64-1g-default');
    const bad = join(tmp, 'bad');
    cpSync(join(CAPTURES, 'amd64-1g-default'), bad, { recursive: true });
    for (const f of readdirSync(bad)) chmodSync(join(bad, f), 0o644);
    chmodSync(bad, 0o755);
    writeFileSync(join(bad, 'proc-mtrr.txt'), 'reg00: base=0x080000000 ( 2048MB), size= 2048MB, count=1: uncachable\nreg01: nonsense\n');
    const r = spawnSync('node', [CLI, 'import', bad], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.match(r.stderr, /proc-mtrr\.txt:2:1: not a \/proc\/mtrr line/);
    const c = spawnSync('node', [CLI, 'check-capture', bad], { encoding: 'utf8' });
    assert.equal(c.status, 2);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

/** A bundle holding only `files` of `from` (copied writable). */
function partialBundle(tmp: string, from: string, files: string[]): string {
  const dir = join(tmp, `${from}-${files.length}`);
  cpSync(join(CAPTURES, from), dir, { recursive: true });
  chmodSync(dir, 0o755);
  for (const f of readdirSync(dir)) {
    chmodSync(join(dir, f), 0o644);
    if (!files.includes(f)) rmSync(join(dir, f));
  }
  return dir;
}

test('partial bundles: what is missing is defaulted and said; no RAM map at all is an input error', { skip: bundles.length === 0 }, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'patlab-partial-'));
  try {
    // Only dmesg: no cpuinfo and no /proc files, so MTRRs are assumed (and said).
    const onlyDmesg = importBundle(partialBundle(tmp, 'amd64-4g-cpumax-smp2', ['dmesg.txt']));
    assert.deepEqual(onlyDmesg.issues, []);
    assert.equal(onlyDmesg.machine.cpu.mtrr, true);
    assert.ok(onlyDmesg.notes.some((n) => /no \/proc files: a CPU with MTRRs assumed/.test(n)));
    const r = spawnSync('node', [CLI, 'check-capture', partialBundle(tmp, 'amd64-1g-default', ['dmesg.txt'])], { encoding: 'utf8' });
    assert.match(r.stdout, /^pat_config: agrees$/m);
    assert.match(r.stdout, /^pat_memtype_list: not-captured$/m, 'an absent debugfs file means nothing when no other file was read');
    // /proc files but no /proc/mtrr and no cpuinfo: the kernel creates /proc/mtrr only with MTRRs.
    const noMtrr = importBundle(partialBundle(tmp, 'amd64-1g-nomtrr', ['dmesg.txt', 'proc-iomem.txt', 'proc-meminfo.txt']));
    assert.equal(noMtrr.machine.cpu.mtrr, false);
    assert.equal(noMtrr.machine.mtrr, null);
    // No dmesg and no iomem: nothing says where RAM is.
    const bad = spawnSync('node', [CLI, 'import', partialBundle(tmp, 'amd64-1g-default', ['proc-meminfo.txt'])], { encoding: 'utf8' });
    assert.equal(bad.status, 2);
    assert.match(bad.stderr, /:1:1: no RAM map in the bundle: neither dmesg\.txt .* nor proc-iomem\.txt/);
    assert.doesNotMatch(bad.stderr, /at .*\.js:\d+/, 'no stack trace');
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('firmware_pat: read from the Configuration line only where Linux builds its tables from it (PAT disabled)', { skip: bundles.length === 0 }, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'patlab-fwpat-'));
  try {
    const nopat = partialBundle(tmp, 'amd64-1g-nopat', readdirSync(join(CAPTURES, 'amd64-1g-nopat')));
    const dm = join(nopat, 'dmesg.txt');
    // A firmware that left WC in PA1: with nopat Linux prints (and uses) that value.
    writeFileSync(dm, readFileSync(dm, 'utf8').replace('Configuration [0-7]: WB  WT  UC- UC  WB  WT  UC- UC  ', 'Configuration [0-7]: WB  WC  UC- UC  WB  WT  UC- UC  '));
    const r = importBundle(nopat);
    assert.equal(r.machine.firmwarePat, 0x0007040600070106n);
    assert.ok(r.notes.some((n) => /firmware_pat: 0x0007040600070106 from the x86\/PAT: Configuration line/.test(n)));
    // With PAT enabled the line shows Linux's own layout: never read.
    const on = partialBundle(tmp, 'amd64-1g-default', readdirSync(join(CAPTURES, 'amd64-1g-default')));
    const dm2 = join(on, 'dmesg.txt');
    writeFileSync(dm2, readFileSync(dm2, 'utf8').replace('Configuration [0-7]: WB  WC  UC- UC  WB  WP  UC- WT  ', 'Configuration [0-7]: WB  WC  UC- UC  WB  WC  UC- UC  '));
    assert.equal(importBundle(on).machine.firmwarePat, 0x0007040600070406n);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});

test('a bundle whose parts contradict each other is an input error at the bundle file and line the bad value came from', { skip: bundles.length === 0 }, () => {
  const tmp = mkdtempSync(join(tmpdir(), 'patlab-contra-'));
  try {
    // A PAE kernel's Zone ranges under a non-PAE release: lowmem ends above a non-PAE kernel's MAXMEM.
    const dir = partialBundle(tmp, 'i386pae-2g-cpumax', readdirSync(join(CAPTURES, 'i386pae-2g-cpumax')));
    for (const f of ['dmesg.txt', 'uname.txt']) writeFileSync(join(dir, f), readFileSync(join(dir, f), 'utf8').replaceAll('686-pae', '686'));
    const zoneLine = readFileSync(join(dir, 'dmesg.txt'), 'utf8').split('\n').findIndex((l) => l.endsWith('Zone ranges:')) + 1;
    const r = spawnSync('node', [CLI, 'import', dir], { encoding: 'utf8' });
    assert.equal(r.status, 2);
    assert.equal(r.stderr.split('\n')[0]!.startsWith(`${join(dir, 'dmesg.txt')}:${zoneLine}:1: max_low_pfn: lowmem end 0x36ffe000 is above MAXMEM`), true, r.stderr);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
});
