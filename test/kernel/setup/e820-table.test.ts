/**
 * The kernel's e820 table (src/kernel/setup/e820-table.ts): E820_MAX_ENTRIES
 * slots (128 + 3 << CONFIG_NODES_SHIFT), entries past them dropped with the
 * kernel's `e820: too many entries; ignoring [mem ...]`, the table sanitized
 * (sorted, touching entries of one type joined) before boot reads it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from '../../fc.js';
import { loadMachine } from '../../../src/io/machine/load-machine.js';
import { bootKernel } from '../../../src/kernel/kernel.js';
import type { E820Entry } from '../../../src/kernel/machine.js';
import { e820MaxEntries, e820Table, e820UpdateTable } from '../../../src/kernel/setup/e820-table.js';

const MIB2 = 0x200000;

/** `preset` with its e820 followed by `n` alternating usable/reserved 2 MiB entries from 4 GiB (none touching one of its type). */
function wide(preset: string, n: number, extra = ''): string {
  const lines = [];
  for (let i = 0; i < n; i++) lines.push(`  - { start: 0x${(0x100000000 + i * MIB2).toString(16)}, size: 2M, type: ${i % 2 ? 'reserved' : 'usable'} }`);
  const own = '  - { start: 0, end: 0x9fc00, type: usable }\n  - { start: 0x100000, end: 0x3ffe0000, type: usable }\n';
  return `preset: ${preset}\n${extra}e820:\n${own}${lines.join('\n')}\n`;
}

test('E820_MAX_ENTRIES is 128 + 3 * MAX_NUMNODES: 3200 for Debian amd64 (NODES_SHIFT 10), 131 for 686-pae (no NUMA)', () => {
  assert.equal(e820MaxEntries(10), 3200);
  assert.equal(e820MaxEntries(0), 131);
  assert.equal(loadMachine('preset: debian-6.1-amd64-qemu\n', 'm.yaml').config.nodesShift, 10);
  assert.equal(loadMachine('preset: debian-6.1-686-pae-qemu\n', 'm.yaml').config.nodesShift, 0);
});

test("a table beyond E820_MAX_ENTRIES keeps the first entries and logs each dropped one as the kernel does", () => {
  const m = loadMachine(wide('debian-6.1-686-pae-qemu', 200), 'm.yaml');
  const k = bootKernel(m);
  assert.equal(k.e820.length, 131);
  const dropped = k.log.messages().filter((x) => x.text.startsWith('e820: too many entries'));
  assert.equal(dropped.length, 202 - 131);
  assert.equal(dropped[0]!.level, 'err');
  // The 132nd entry of the file (index 131) is the first one dropped: the 130th of the extra ones.
  const first = 0x100000000 + 129 * MIB2;
  assert.equal(dropped[0]!.text, `e820: too many entries; ignoring [mem 0x${first.toString(16)}-0x${(first + MIB2 - 1).toString(16)}]`);
  // What boot reads is the kept table: its highest RAM is the last kept usable entry.
  const lastKept = k.e820[k.e820.length - 1]!;
  assert.ok(lastKept.end <= first);
  assert.equal(k.maxPfn, Math.max(...k.e820.filter((e) => e.type === 'usable').map((e) => e.end)) / 4096);
  // With NUMA's slots (nodes_shift 1: 134), three more fit.
  const numa = bootKernel(loadMachine(wide('debian-6.1-686-pae-qemu', 200, 'config: { nodes_shift: 1 }\n'), 'm.yaml'));
  assert.equal(numa.e820.length, 134);
});

test('a table within E820_MAX_ENTRIES is kept whole, without a message', () => {
  const k = bootKernel(loadMachine(wide('debian-6.1-amd64-qemu', 2000), 'm.yaml'));
  assert.equal(k.e820.length, 2002);
  assert.equal(k.log.messages().filter((x) => x.text.startsWith('e820:')).length, 0);
});

test('the %#010llx format: at least eight hex digits after 0x', () => {
  const fw: E820Entry[] = [];
  for (let i = 0; i < 132; i++) fw.push({ start: i * 0x1000, end: i * 0x1000 + 0x800, type: i % 2 ? 'reserved' : 'usable' });
  assert.deepEqual(e820Table(fw, 0).errors, ['e820: too many entries; ignoring [mem 0x00083000-0x000837ff]']);
});

test('e820__update_table: sorted, empty entries dropped, touching entries of one type joined, nothing else changed', () => {
  const types = ['usable', 'reserved', 'ACPI data'] as const;
  const entries = fc.array(fc.record({ len: fc.integer({ min: 0, max: 4 }), gap: fc.integer({ min: 0, max: 2 }), type: fc.constantFrom(...types) }), { maxLength: 30 });
  fc.assert(
    fc.property(entries, fc.integer(), (raw, seed) => {
      let at = 0;
      const fw: E820Entry[] = raw.map((r) => {
        const e = { start: at * 0x1000, end: (at + r.len) * 0x1000, type: r.type };
        at += r.len + r.gap;
        return e;
      });
      // Shuffled deterministically: the table does not depend on the firmware's order.
      const shuffled = [...fw].sort((a, b) => ((a.start * 2654435761 + seed) >>> 0) - ((b.start * 2654435761 + seed) >>> 0));
      const t = e820UpdateTable(shuffled);
      for (let i = 1; i < t.length; i++) {
        assert.ok(t[i - 1]!.end <= t[i]!.start, 'sorted, disjoint');
        assert.ok(!(t[i - 1]!.end === t[i]!.start && t[i - 1]!.type === t[i]!.type), 'touching entries of one type are joined');
      }
      // Every byte keeps its type.
      const typeAt = (list: readonly E820Entry[], a: number): string | undefined => list.find((e) => e.start <= a && a < e.end)?.type;
      for (let p = 0; p < at; p++) assert.equal(typeAt(t, p * 0x1000), typeAt(fw, p * 0x1000));
    }),
  );
});
