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
