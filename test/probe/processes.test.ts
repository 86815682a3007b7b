/**
 * Scenarios with processes (docs/probe.md §1, "Processes"): a fork or an exit makes the module run
 * its steps for the user program (probe/patprobe-user.c), one process per scenario pid.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { REPO_ROOT } from '../shared-dir.js';
import { loadScenarioFile } from '../../src/io/scenario/load.js';
import { moduleSource } from '../../src/io/probe/module-c.js';
import { probeInitScript, buildUserProgram, type KernelInstall } from '../../src/io/probe/harness.js';

const CASE11 = join(REPO_ROOT, 'scenarios', 'spec04', 'case11-fork-tracked.yaml');

test('case 11: each step goes to the process its pid names, the fork\'s child is process 2, steps after process 1 exits run in the controller', () => {
  const m = moduleSource(loadScenarioFile(readFileSync(CASE11, 'utf8'), CASE11));
  assert.equal(m.unsupported, undefined);
  assert.deepEqual(m.plan, ['1:R1', '1:R2', '1:F3:2', '2:R4', '1:R5', '1:X6', '0:R7', '2:X8', '0:R9']);
  assert.deepEqual(m.steps, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  // The module runs steps when the program writes RUN n; its init does not run them, nor print insmod's pid.
  assert.match(m.c, /\.write = probe_write/);
  assert.match(m.c, /case 3: return "fork"; case 6: return "exit"; case 8: return "exit";/);
  assert.doesNotMatch(m.c, /pr_info\("patprobe: PID %d\\n", current->pid\);/);
  assert.doesNotMatch(m.c, /if \(probe_step\(1\)\) goto out;/);
});

test('a scenario without processes runs its steps in insmod, as before, and has no plan', () => {
  const m = moduleSource(loadScenarioFile('name: n\nmachine: debian-6.1-amd64-qemu\nsteps:\n  - mmap: { size: 4K }\n    as: m\n  - munmap: { addr: m, size: 4K }\n', 'n.yaml'));
  assert.equal(m.plan, undefined);
  assert.match(m.c, /pr_info\("patprobe: PID %d\\n", current->pid\);/);
  assert.match(m.c, /if \(probe_step\(1\)\) goto out;\n\tif \(probe_step\(2\)\) goto out;\nout:\n\tprobe_finish\(\);/);
});

test('in a scenario with processes, a pid no fork made and a fork without child_pid are not supported, with the reason', () => {
  const base = 'name: n\nmachine: debian-6.1-amd64-qemu\nsteps:\n  - mmap: { size: 4K }\n    as: m\n';
  const a = moduleSource(loadScenarioFile(base + '  - fork: { child_pid: 2 }\n  - munmap: { addr: m, size: 4K }\n    pid: 7\n', 'a.yaml'));
  assert.match(a.unsupported!.reason, /^step 3 munmap: pid 7 is not a process the probe has/);
  const b = moduleSource(loadScenarioFile(base + '  - fork: {}\n', 'b.yaml'));
  assert.match(b.unsupported!.reason, /^step 2 fork: fork without child_pid/);
  // With no fork, exit or mremap a step's pid is the model's alone: it runs in insmod, as every step does.
  const c = moduleSource(loadScenarioFile(base + '  - munmap: { addr: m, size: 4K }\n    pid: 7\n', 'c.yaml'));
  assert.equal(c.unsupported, undefined);
  assert.equal(c.plan, undefined);
});

test('the /init runs the user program with the module\'s plan once insmod has loaded it', () => {
  const s = probeInitScript([{ name: 'patprobe_1', plan: ['1:R1'] }]);
  assert.match(s, /if \[ "\$h" = 0 \] && \[ -e \/\$1\.plan \]; then \/patprobe-user \$\(cat \/\$1\.plan\) & waitp \$!; fi/);
});

const gcc = spawnSync('gcc', ['--version']).status === 0;
test('the user program builds with no libc for both kernels\' architectures, static, with nothing left undefined', (t) => {
  if (!gcc) return t.skip('gcc is not installed');
  for (const arch of ['x86-64', 'x86-32-pae'] as const) {
    const dir = mkdtempSync(join(tmpdir(), 'pu-'));
    const r = buildUserProgram(dir, { arch } as KernelInstall);
    assert.ok('path' in r, JSON.stringify(r));
    // ELF class (e_ident[EI_CLASS]: 2 = 64-bit, 1 = 32-bit) and e_machine (62 = x86-64, 3 = i386); no interpreter.
    const elf = readFileSync(r.path);
    assert.equal(elf.subarray(0, 4).toString('latin1'), '\x7fELF');
    assert.deepEqual([elf[4], elf.readUInt16LE(18)], arch === 'x86-64' ? [2, 62] : [1, 3]);
    assert.ok(!elf.includes('ld-linux'), 'no dynamic loader');
    assert.equal(spawnSync('nm', ['-u', r.path], { encoding: 'utf8' }).stdout.trim(), '');
  }
});

test('mremap is the process\'s own system call: a plan token, the module gives the arguments and takes the new address; a fixed new_addr is not supported', () => {
  const f = join(REPO_ROOT, 'scenarios', 'spec04', 'mremap-pfnmap.yaml');
  const m = moduleSource(loadScenarioFile(readFileSync(f, 'utf8'), f));
  assert.deepEqual(m.plan, ['1:R1', '1:R2', '1:M3', '1:M4', '1:R5', '1:R6']);
  assert.match(m.c, /case 3: snprintf\(probe_args, sizeof\(probe_args\), "%lu %lu %lu\\n", \(unsigned long\)\(\(h_m\)\), \(unsigned long\)0x4000ULL, \(unsigned long\)0x8000ULL\); break;/);
  assert.match(m.c, /case 4: h_m2 = ret; break;/);
  const fixed = moduleSource(loadScenarioFile('name: n\nmachine: debian-6.1-amd64-qemu\nsteps:\n  - mmap: { size: 8K }\n    as: m\n  - mremap: { addr: m, old_size: 8K, new_size: 8K, new_addr: 0x7f0000000000 }\n', 'n.yaml'));
  assert.match(fixed.unsupported!.reason, /^step 2 mremap: mremap with new_addr: a fixed address is of the model's layout/);
});

test('--emit of a scenario with processes writes the user program and its plan beside the module, and says how to run them', () => {
  const dir = mkdtempSync(join(tmpdir(), 'emit-'));
  const r = spawnSync(process.execPath, [join(REPO_ROOT, 'dist', 'src', 'cli', 'main.js'), 'probe', CASE11, '--emit', dir], { encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.equal(readFileSync(join(dir, 'patprobe.plan'), 'utf8'), '1:R1 1:R2 1:F3:2 2:R4 1:R5 1:X6 0:R7 2:X8 0:R9\n');
  assert.equal(readFileSync(join(dir, 'patprobe-user.c'), 'utf8'), readFileSync(join(REPO_ROOT, 'probe', 'patprobe-user.c'), 'utf8'));
  assert.match(readFileSync(join(dir, 'init'), 'utf8'), /\/patprobe-user \$\(cat \/\$1\.plan\)/);
  assert.match(r.stdout, /after insmod, run \.\/patprobe-user \$\(cat patprobe\.plan\)/);
});
