/**
 * The run's echo of a step's arguments (src/run/execute.ts showArg): a set
 * of flags reads as the flags' names, in the order the call declares them,
 * whatever order the scenario wrote; bits no name covers stay in hex.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadScenarioFile } from '../../src/io/scenario/load.js';
import { KERNEL_DRIVER } from '../../src/run/driver.js';
import { runScenario } from '../../src/run/execute.js';

const run = (steps: string) => runScenario(loadScenarioFile(`name: echo\nmachine: { preset: small-x86-64 }\nsteps:\n${steps}`, 'echo.yaml'), KERNEL_DRIVER);

test('flags are echoed by name (VM_PFNMAP|VM_IO), numbers in hex, counts in decimal', () => {
  const o = run(`  - mmap: { size: 16K, flags: VM_IO|VM_PFNMAP }\n  - alloc_pages: { gfp: GFP_KERNEL, count: 4 }\n`);
  assert.deepEqual(o.steps[0]!.args, { size: '0x4000', flags: 'VM_PFNMAP|VM_IO' });
  assert.equal(o.steps[1]!.args['count'], '4');
  assert.deepEqual(run(`  - mmap: { size: 4K, flags: 0 }\n`).steps[0]!.args['flags'], '0');
  assert.deepEqual(run(`  - memremap: { offset: 0xfd000000, size: 4K, flags: MEMREMAP_WC }\n`).steps[0]!.args['flags'], 'MEMREMAP_WC');
});
