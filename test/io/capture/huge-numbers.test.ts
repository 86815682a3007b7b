/** Fuzz finds (issue 15): a dmesg number above 2^53 is a bad line, not a crash; a second ttm_bo_put WARNs like the kernel's refcount saturation. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDmesg } from '../../../src/io/capture/dmesg.js';
import { loadScenarioFile } from '../../../src/io/scenario/load.js';
import { KERNEL_DRIVER } from '../../../src/run/driver.js';
import { runScenario } from '../../../src/run/execute.js';

test('a BIOS-e820 line with a number above 2^53-1 is reported as a bad line; the others are read', () => {
  const r = parseDmesg('[    0.000000] BIOS-e820: [mem 0x0000000000000000-0x000000000009fbff] usable\n[    0.000000] BIOS-e820: [mem 0xfff0000000000000-0xffffffffffffffff] reserved\n', 'dmesg.txt');
  assert.equal(r.value.e820.length, 1);
  assert.equal(r.issues.length, 1);
  assert.equal(r.issues[0]!.line, 2);
  assert.match(r.issues[0]!.why, /number 0xfff0000000000000 is above 2\^53-1/);
});

test('ttm_bo_put with no reference left WARNs "refcount_t: underflow; use-after-free." and frees nothing', () => {
  const sc = loadScenarioFile('name: s\nmachine: small-x86-64\nsteps:\n  - ttm_device_init: {}\n  - ttm_bo_create: { size: 8K, caching: WC }\n    as: bo\n  - ttm_bo_mmap_obj: { bo: bo }\n  - ttm_bo_put: { bo: bo }\n  - ttm_bo_put: { bo: bo }\n', 's.yaml');
  const o = runScenario(sc, KERNEL_DRIVER);
  assert.deepEqual(o.steps[4]!.messages.map((m) => m.text), ['WARNING: refcount_t: underflow; use-after-free.']);
  assert.match(o.steps[4]!.reason ?? '', /^ttm_bo_put: BO \d+: kref is already 0/);
});
