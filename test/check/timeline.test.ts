/**
 * check/timeline.ts, the linear-map histories: pfns written in one step from
 * the same history to different bits each keep their own history (the
 * recorder shares a history between pfns only when they went the same way),
 * and a pfn keeps one segment per step that changed it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CM } from '../../src/hw/cache-mode.js';
import { TimelineRecorder } from '../../src/check/timeline.js';
import { PRESET_YAML } from '../../src/io/machine/presets.js';
import { loadMachine } from '../../src/io/machine/load-machine.js';
import { bootKernel } from '../../src/kernel/kernel.js';
import { _setMemoryUc, _setMemoryWb, _setMemoryWc } from '../../src/kernel/mm/set-memory.js';

test('linear-map histories: two pfns written in one step to different types, one of them again later, keep their own histories', () => {
  const k = bootKernel(loadMachine(PRESET_YAML['small-x86-64']!, 'small.yaml'));
  const rec = new TimelineRecorder();
  const va = (pfn: number): number => k.directMap.map.vaOf(pfn);
  // Three RAM pages, apart, all WB at boot; the third goes the first one's way.
  const [a, b, c] = [0x2000, 0x2100, 0x2200];
  rec.observe(k, 0);
  assert.equal(_setMemoryUc(k, va(a), 1), 0);
  assert.equal(_setMemoryWc(k, va(b), 1), 0);
  assert.equal(_setMemoryUc(k, va(c), 1), 0);
  rec.observe(k, 1);
  assert.equal(_setMemoryWb(k, va(a), 1), 0);
  rec.observe(k, 2);
  const tl = rec.finish();
  const modes = (pfn: number): string[] => {
    const l = tl.lives.find((x) => x.kind === 'direct' && pfn >= x.pfn && pfn < x.pfn + x.npages);
    assert.ok(l, `a direct-map life covers pfn 0x${pfn.toString(16)}`);
    return l.segments.map((s) => `${s.from}:${Object.entries(CM).find(([, v]) => v === k.tables.pgprot2cachemode(s.bits4k))![0]}`);
  };
  assert.deepEqual(modes(a), ['0:WB', '1:UC_MINUS', '2:WB']);
  assert.deepEqual(modes(b), ['0:WB', '1:WC']);
  assert.deepEqual(modes(c), ['0:WB', '1:UC_MINUS']);
});
