/**
 * The one formatter of call outputs (src/io/render/out-value.ts): each typed
 * value reads as `patlab run` has always shown it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CM } from '../../../src/hw/cache-mode.js';
import { TTM_CACHING } from '../../../src/kernel/drivers/ttm/caching.js';
import { VM_FAULT_NOPAGE, VM_FAULT_SIGBUS } from '../../../src/kernel/vm/fault.js';
import { VM_DONTDUMP, VM_DONTEXPAND, VM_IO, VM_PFNMAP } from '../../../src/kernel/vm/flags.js';
import type { OutValue } from '../../../src/calls/types.js';
import { fieldsText, outText } from '../../../src/io/render/out-value.js';

test('each kind of output reads as the kernel prints it', () => {
  const cases: [OutValue, string | number | boolean][] = [
    [3, 3],
    [-12, -12],
    [true, true],
    ['HighMem', 'HighMem'],
    ['KVM_PFN_ERR_FAULT', 'KVM_PFN_ERR_FAULT'],
    [{ mode: CM.WC }, 'write-combining'],
    [{ mode: CM.UC_MINUS }, 'uncached-minus'],
    [{ mode: null }, '-'],
    [{ noPte: true }, 'none'],
    [{ addr: 0xc0000 }, '0xc0000'],
    [{ addr: 0 }, '0x0'],
    [{ addr: 0xffff888000001000n }, '0xffff888000001000'],
    [{ fault: VM_FAULT_NOPAGE }, 'VM_FAULT_NOPAGE'],
    [{ fault: VM_FAULT_SIGBUS }, 'VM_FAULT_SIGBUS'],
    [{ fault: 0x3 }, '0x3'],
    [{ vmFlags: VM_PFNMAP | VM_IO | VM_DONTEXPAND | VM_DONTDUMP }, 'VM_PFNMAP|VM_IO|VM_DONTEXPAND|VM_DONTDUMP'],
    [{ caching: TTM_CACHING.write_combined }, 'ttm_write_combined'],
    [{ caching: TTM_CACHING.cached }, 'ttm_cached'],
    [{ ioremap: { vaddr: 0x1000, pcm: CM.WC, requested: CM.WC, phys: 0, size: 0x1000 } }, 'write-combining'],
    [{ ioremap: { vaddr: 0x1000, pcm: CM.UC_MINUS, requested: CM.WC, phys: 0, size: 0x1000 } }, 'uncached-minus (requested write-combining)'],
  ];
  for (const [v, want] of cases) assert.equal(outText(v), want, JSON.stringify(v, (_, x: unknown) => (typeof x === 'bigint' ? `${x}n` : x)));
});

test('fieldsText keeps the call\u2019s order and gives every value its text', () => {
  const t = fieldsText({ fault: { fault: VM_FAULT_NOPAGE }, type: { mode: CM.WB }, special: true, pfn: { addr: 0x10 } });
  assert.deepEqual(Object.entries(t), [
    ['fault', 'VM_FAULT_NOPAGE'],
    ['type', 'write-back'],
    ['special', true],
    ['pfn', '0x10'],
  ]);
  assert.deepEqual(fieldsText(undefined), {});
});
