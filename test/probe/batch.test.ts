/** Several scenarios per boot (docs/probe.md §1, "Several scenarios per boot"): which share a boot, and the /init that loads them. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from '../fc.js';
import { planBoots, type BatchItem } from '../../src/io/probe/batch.js';
import { CAPTURE_INIT_SCRIPT, probeInitScript, splitConsole } from '../../src/io/probe/harness.js';
import { leftoverEntries } from '../../src/io/probe/observe.js';
import { CM } from '../../src/hw/cache-mode.js';

const item = fc.record({ group: fc.constantFrom('a', 'b', 'c'), fatal: fc.boolean() });

test('planBoots: every item once, one group per boot, at most max per boot, at most one fatal and it last, order kept', () => {
  fc.assert(
    fc.property(fc.array(item, { maxLength: 40 }), fc.integer({ min: 1, max: 12 }), (raw, max) => {
      const items: BatchItem[] = raw.map((r, index) => ({ index, ...r }));
      const boots = planBoots(items, max);
      assert.deepEqual(boots.flat().sort((x, y) => x - y), items.map((x) => x.index));
      for (const b of boots) {
        assert.ok(b.length >= 1 && b.length <= max, `boot of ${b.length} with max ${max}`);
        assert.equal(new Set(b.map((i) => items[i]!.group)).size, 1);
        const fatal = b.filter((i) => items[i]!.fatal);
        assert.ok(fatal.length <= 1);
        if (fatal.length === 1) assert.equal(b[b.length - 1], fatal[0]);
        const rest = b.filter((i) => !items[i]!.fatal);
        assert.deepEqual(rest, [...rest].sort((x, y) => x - y));
      }
      // As few boots as the rules allow, per group.
      for (const g of ['a', 'b', 'c']) {
        const n = items.filter((x) => x.group === g);
        if (n.length === 0) continue;
        const want = Math.max(n.filter((x) => x.fatal).length, Math.ceil(n.length / max));
        assert.equal(boots.filter((b) => items[b[0]!]!.group === g).length, want);
      }
    }),
  );
});

test('planBoots: ten scenarios of one kernel, two fatal, at most 20 a boot: two boots, each ending with a fatal one', () => {
  const items = Array.from({ length: 10 }, (_, index) => ({ index, group: 'k', fatal: index === 2 || index === 7 }));
  assert.deepEqual(planBoots(items, 20), [[0, 1, 3, 4, 2], [5, 6, 8, 9, 7]]);
  assert.deepEqual(planBoots(items, 1).length, 10);
  assert.throws(() => planBoots(items, 0), RangeError);
});

test('the /init loads each module in turn, stops the chain at the first that does not load cleanly, and TTM once', () => {
  const s = probeInitScript([{ name: 'patprobe_1' }, { name: 'patprobe_2', ttm: { pagePoolSize: 512 } }, { name: 'patprobe_3', ttm: { pagePoolSize: null } }]);
  assert.match(s, /^for m in drm ttm; do insmod \/\$m\.ko; done$/m);
  assert.match(s, /^run patprobe_1 && \\\nrun patprobe_2 512 && \\\nrun patprobe_3 0\necho "=== END"$/m);
  assert.match(s, /echo "\$2" > \/sys\/module\/ttm\/parameters\/page_pool_size/);
  const plain = probeInitScript([{ name: 'patprobe' }]);
  assert.doesNotMatch(plain, /insmod \/\$m\.ko/);
  assert.match(plain, /^run patprobe\necho "=== END"$/m);
});

test("every /init lets the console drain before poweroff -f (else the kernel's 'reboot: Power down' lands inside the last file printed)", () => {
  for (const init of [CAPTURE_INIT_SCRIPT, probeInitScript([{ name: 'm1' }]), probeInitScript([{ name: 'm1' }], true)]) {
    const tail = init.trimEnd().split('\n').slice(-3);
    assert.equal(tail[0], 'echo "=== END"');
    assert.match(tail[1]!, /^sleep \d/);
    assert.equal(tail[2], 'poweroff -f');
  }
});

test('the console splits into each module\'s dmesg and how its insmod ended; a module not reached has no entry', () => {
  const text = ['=== FILE uname.txt', 'Linux', '=== ENDFILE', '=== INSMOD patprobe_1', '=== INSMOD patprobe_1 rc=0', '=== FILE probe-dmesg-patprobe_1.txt', 'patprobe: BEGIN', '=== ENDFILE', '=== INSMOD patprobe_2', '=== INSMOD patprobe_2 hung', '=== FILE probe-dmesg-patprobe_2.txt', 'kernel BUG at mm/memory.c:2400!', '=== ENDFILE', '=== END'].join('\n');
  const { files, insmod } = splitConsole(text);
  assert.deepEqual([...insmod], [['patprobe_1', { rc: 0 }], ['patprobe_2', { rc: null }]]);
  assert.equal(files.get('probe-dmesg-patprobe_2.txt'), 'kernel BUG at mm/memory.c:2400!\n');
  assert.equal(insmod.get('patprobe_3'), undefined);
});

test('leftover memtype entries: what the real list has at the module\'s start beyond the predicted boot list, as multisets, header skipped', () => {
  const boot = ['PAT memtype list:', 'PAT: [mem 0x00000000fed00000-0x00000000fed01000] uncached-minus', 'PAT: [mem 0x00000000fed00000-0x00000000fed01000] uncached-minus'];
  const real = [...boot, 'PAT: [mem 0x00000000fed00000-0x00000000fed01000] uncached-minus', 'PAT: [mem 0x00000000c0000000-0x00000000c0100000] write-protected'];
  assert.deepEqual(leftoverEntries(real, boot), [
    { start: 0xfed00000, end: 0xfed01000, type: CM.UC_MINUS },
    { start: 0xc0000000, end: 0xc0100000, type: CM.WP },
  ]);
  assert.deepEqual(leftoverEntries(boot, boot), []);
  assert.deepEqual(leftoverEntries(['(absent)'], null), []);
});
