/** Boot shapes of `patlab probe --capture/--sweep` (docs/probe.md §5): parsing, qemu arguments, positioned errors. */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { parseBootShapes, shapeQemu } from '../../src/io/probe/boot-shape.js';
import { bootAgainNote, bootOnceMore, type KernelInstall, type QemuShape } from '../../src/io/probe/harness.js';
import { InputError } from '../../src/run/input-error.js';
import { REPO_ROOT } from '../shared-dir.js';

const err = (text: string): string => {
  try {
    parseBootShapes(text, 's.yaml');
  } catch (e) {
    if (e instanceof InputError) return e.message;
    throw e;
  }
  return 'no error';
};

test('a shape becomes the qemu command: chipset, -m, -cpu, -smp, the probe options then its own', () => {
  const [s] = parseBootShapes('shapes:\n  - { name: a, kernel: 6.12-amd64, memory: 6G, machine: q35, cpu: max, smp: 4, options: [nogbpages] }\n', 's.yaml');
  const q = shapeQemu(s!);
  assert.deepEqual(q.args, ['-accel', 'tcg', '-machine', 'q35', '-m', '6144', '-cpu', 'max', '-smp', '4', '-nographic', '-no-reboot']);
  assert.equal(q.append, 'console=ttyS0 panic=-1 loglevel=7 nokaslr no_hash_pointers nogbpages');
});

test('defaults: pc, qemu64 on amd64 and max on 686-pae (qemu32 is the P6 whose PAT is cleared), 1 CPU; a bare number is MiB', () => {
  const [a, b] = parseBootShapes('shapes:\n  - { name: a, kernel: 6.1-amd64, memory: 1536 }\n  - { name: b, kernel: 6.1-686-pae, memory: 1G }\n', 's.yaml');
  assert.deepEqual([a!.machine, a!.cpu, a!.smp, a!.memMiB], ['pc', 'qemu64', 1, 1536]);
  assert.deepEqual([b!.machine, b!.cpu, b!.memMiB], ['pc', 'max', 1024]);
});

test('bad shapes are one positioned line each', () => {
  assert.equal(err('shapes:\n  - { name: a, kernel: 6.1-686-pae, memory: 4G }\n'), 's.yaml:2:45: memory 4096 MiB out of range for 6.1-686-pae under qemu here: expected 128 to 3072 MiB');
  assert.equal(err('shapes:\n  - { name: a, kernel: 5.10-amd64, memory: 1G }\n'), "s.yaml:2:24: unknown kernel '5.10-amd64': expected one of 6.1-amd64, 6.1-686-pae, 6.12-amd64");
  assert.equal(err('shapes:\n  - { name: a, kernel: 6.1-amd64, memory: 1G, machine: isapc }\n'), "s.yaml:2:56: unknown machine 'isapc': expected pc or q35");
  assert.equal(err('shapes:\n  - { name: a, kernel: 6.1-amd64, memory: 1G, options: [quiet] }\n'), "s.yaml:2:57: unsupported kernel option 'quiet': expected nopat, nogbpages, debugpat, mtrr.debug, debug_pagealloc=on or mem=SIZE");
  assert.equal(err('shapes:\n  - { name: a, kernel: 6.1-amd64, memory: 1G }\n  - { name: a, kernel: 6.1-amd64, memory: 2G }\n'), "s.yaml:3:13: name 'a' is used twice");
  assert.match(err('shapes:\n  - { name: a, kernel: 6.1-amd64 }\n'), /^s\.yaml:2:5: missing 'memory'/);
  assert.match(err('shapes:\n  - { name: a, kernel: 6.1-amd64, memory: 1G, smp: 8 }\n'), /^s\.yaml:2:52: expected a CPU count from 1 to 4$/);
  assert.match(err('shape:\n  - {}\n'), /^s\.yaml:1:1: /);
});

test('the shipped sweep parses and covers what docs/probe.md §5 says it does', () => {
  const shapes = parseBootShapes(readFileSync(join(REPO_ROOT, 'probe/boot-sweep.yaml'), 'utf8'), 'probe/boot-sweep.yaml');
  const amd = shapes.filter((s) => s.kernel !== '6.1-686-pae').map((s) => s.memMiB);
  const pae = shapes.filter((s) => s.kernel === '6.1-686-pae').map((s) => s.memMiB);
  assert.deepEqual([Math.min(...amd), Math.max(...amd)], [512, 8192]);
  assert.deepEqual([Math.min(...pae), Math.max(...pae)], [1024, 3072]);
  for (const want of ['pc', 'q35']) assert.ok(shapes.some((s) => s.machine === want), want);
  for (const n of [1, 2, 4]) assert.ok(shapes.some((s) => s.smp === n), `smp ${n}`);
  for (const o of ['nopat', 'nogbpages']) assert.ok(shapes.some((s) => s.options.includes(o)), o);
  for (const k of ['6.1-amd64', '6.12-amd64', '6.1-686-pae']) assert.ok(shapes.some((s) => s.kernel === k), k);
  assert.ok(shapes.some((s) => s.cpu === 'max') && shapes.some((s) => !/^(max|qemu64)$/.test(s.cpu)), 'max and older models');
});

// A guest that dies before the end of /init (TCG's rare text-patching oops) is booted once more;
// a boot that timed out or a qemu that failed to start is not (docs/probe-differences.md).
test('a boot that did not reach the end of the probe is booted once more, with a note; other failures are not retried', () => {
  const k = {} as KernelInstall;
  const shape = {} as QemuShape;
  const fromList = (rs: ReturnType<Parameters<typeof bootOnceMore>[4] & {}>[]) => {
    let n = 0;
    return { n: () => n, once: () => rs[n++]! };
  };
  const died = { error: 'the kernel did not reach the end of the probe (Oops: int3: 0000 [#1] PREEMPT SMP NOPTI)', text: 'console', died: 'Oops: int3: 0000 [#1] PREEMPT SMP NOPTI' };
  const ok = { text: '=== END', cmd: 'qemu' };
  let f = fromList([died, ok]);
  let r = bootOnceMore(k, shape, 'initrd', 10, f.once);
  assert.equal(f.n(), 2);
  assert.deepEqual(r, { b: ok, first: { died: died.died, text: 'console' } });
  assert.equal(bootAgainNote(r.first!), 'note: the first boot did not finish (Oops: int3: 0000 [#1] PREEMPT SMP NOPTI); booted again');
  f = fromList([ok]);
  r = bootOnceMore(k, shape, 'initrd', 10, f.once);
  assert.equal(f.n(), 1);
  assert.deepEqual(r, { b: ok });
  const timeout = { error: 'qemu-system-x86_64 did not finish: spawnSync qemu-system-x86_64 ETIMEDOUT' };
  f = fromList([timeout, ok]);
  r = bootOnceMore(k, shape, 'initrd', 10, f.once);
  assert.equal(f.n(), 1);
  assert.deepEqual(r, { b: timeout });
  // Twice dead is a failure: the second boot's.
  f = fromList([died, { ...died, text: 'second' }]);
  r = bootOnceMore(k, shape, 'initrd', 10, f.once);
  assert.equal(f.n(), 2);
  assert.equal((r.b as { text: string }).text, 'second');
});
