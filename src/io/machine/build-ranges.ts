/**
 * Physical ranges of a machine file: `start` with `end` (exclusive) or
 * `size`, the address limit of the architecture, the e820 map, the iomem tree
 * and the kernel image (spec/07 D1, (b) 2, 9).
 */

import type { Arch, E820Entry, E820Type, IomemResource } from '../../kernel/machine.js';
import { type BuildContext, list, type Raw } from './build-context.js';
import { hex } from '../../hw/hex.js';
import { humanPath, pointerJoin } from './yaml-located.js';

/**
 * Highest physical address + 1 the kernel can use: 4 GiB without PAE,
 * 64 GiB with PAE (MAX_PHYSMEM_BITS 36), 2^MAXPHYADDR on x86-64; never more
 * than the CPU's MAXPHYADDR.
 */
export function addressLimit(arch: Arch, physAddrBits: number): number {
  const cpu = 2 ** physAddrBits;
  if (arch === 'x86-32') return Math.min(cpu, 2 ** 32);
  if (arch === 'x86-32-pae') return Math.min(cpu, 2 ** 36);
  return cpu;
}

function limitWhy(arch: Arch, physAddrBits: number): string {
  if (arch === 'x86-32') return 'a non-PAE x86-32 kernel reaches 4 GiB';
  if (arch === 'x86-32-pae' && physAddrBits >= 36) return 'a PAE kernel reaches 64 GiB';
  return `the CPU has ${physAddrBits} physical address bits`;
}

/** `[start, end)` of a range object, checked non-empty and below `limit`. */
export function readRange(
  c: BuildContext,
  o: Raw,
  ptr: string,
  arch: Arch,
  bits: number,
): { start: number; end: number } {
  const start = c.num(o, 'start', ptr);
  const size = c.optNum(o, 'size', ptr);
  const endKey = size === undefined ? 'end' : 'size';
  const end = size === undefined ? c.num(o, 'end', ptr) : start + size;
  if (end <= start) c.fail(pointerJoin(ptr, endKey), `${humanPath(ptr)}: empty range [${hex(start)}, ${hex(end)}): expected start < end`);
  const limit = addressLimit(arch, bits);
  if (end > limit) {
    c.fail(pointerJoin(ptr, endKey), `${humanPath(ptr)}: range ends at ${hex(end)}, above ${hex(limit)} (${limitWhy(arch, bits)})`);
  }
  return { start, end };
}

/** The e820 map, in file order; entries may not overlap (the firmware's map is a partition). */
export function buildE820(c: BuildContext, raw: Raw, arch: Arch, bits: number): E820Entry[] {
  const out: (E820Entry & { i: number })[] = [];
  // Earlier entries sorted by start (disjoint, or we would have failed): an overlap is found by
  // binary search, so 20 000 entries cost n log n, not n^2.
  const sorted: (E820Entry & { i: number })[] = [];
  const firstEndingAfter = (addr: number): number => {
    let lo = 0;
    let hi = sorted.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (sorted[mid]!.end <= addr) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  list(raw, 'e820').forEach((o, i) => {
    const ptr = pointerJoin('/e820', i);
    const r = readRange(c, o, ptr, arch, bits);
    // Of the earlier entries it overlaps (a run in start order), name the first in file order.
    let hit: (E820Entry & { i: number }) | undefined;
    for (let j = firstEndingAfter(r.start); j < sorted.length && sorted[j]!.start < r.end; j++) if (!hit || sorted[j]!.i < hit.i) hit = sorted[j]!;
    if (hit) {
      c.fail(
        pointerJoin(ptr, 'start'),
        `e820[${i}] [${hex(r.start)}, ${hex(r.end)}) overlaps e820[${hit.i}] [${hex(hit.start)}, ${hex(hit.end)}): expected disjoint entries`,
      );
    }
    const e = { ...r, type: o['type'] as E820Type, i };
    out.push(e);
    sorted.splice(firstEndingAfter(r.start), 0, e);
  });
  return out.map(({ start, end, type }) => ({ start, end, type }));
}

/** One iomem resource and its children: children nest inside it, siblings are disjoint. */
function buildResource(c: BuildContext, o: Raw, ptr: string, arch: Arch, bits: number): IomemResource {
  const r = readRange(c, o, ptr, arch, bits);
  const res: IomemResource = { start: r.start, end: r.end, name: o['name'] as string };
  if (o['prefetchable'] !== undefined) res.prefetchable = o['prefetchable'] as boolean;
  if (o['exclusive'] !== undefined) res.exclusive = o['exclusive'] as boolean;
  if (o['children'] !== undefined) {
    const cptr = pointerJoin(ptr, 'children');
    res.children = buildSiblings(c, list(o, 'children'), cptr, arch, bits);
    res.children.forEach((ch, i) => {
      if (ch.start < r.start || ch.end > r.end) {
        c.fail(
          pointerJoin(pointerJoin(cptr, i), 'start'),
          `${humanPath(pointerJoin(cptr, i))} [${hex(ch.start)}, ${hex(ch.end)}) is not inside its parent '${res.name}' [${hex(r.start)}, ${hex(r.end)})`,
        );
      }
    });
  }
  return res;
}

function buildSiblings(c: BuildContext, items: Raw[], ptr: string, arch: Arch, bits: number): IomemResource[] {
  const out: IomemResource[] = [];
  items.forEach((o, i) => {
    const p = pointerJoin(ptr, i);
    const r = buildResource(c, o, p, arch, bits);
    out.forEach((s, j) => {
      if (r.start < s.end && s.start < r.end) {
        c.fail(
          pointerJoin(p, 'start'),
          `${humanPath(p)} '${r.name}' [${hex(r.start)}, ${hex(r.end)}) overlaps its sibling ${humanPath(pointerJoin(ptr, j))} '${s.name}': expected disjoint resources`,
        );
      }
    });
    out.push(r);
  });
  return out;
}

/** The iomem tree (non-RAM resources; System RAM comes from e820). */
export function buildIomem(c: BuildContext, raw: Raw, arch: Arch, bits: number): IomemResource[] {
  return buildSiblings(c, list(raw, 'iomem'), '/iomem', arch, bits);
}
