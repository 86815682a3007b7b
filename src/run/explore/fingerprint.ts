/**
 * The fingerprint of an explored state (docs/explore.md §4): the kernel's
 * observable state as one string, so two call sequences that leave the
 * kernel alike are explored once. It holds what can change what a later
 * call does or what an invariant sees: the memtype tree, page-flag
 * memtypes, every aliasing mapping and hold with its cache bits, the
 * linear-map bits, refcounts, mapcounts and flags of every page the
 * sequence touched, the allocator's cursors, the subsystems' state (VMAs,
 * TTM, KVM), and the explorer's live handles as a set (up to their names).
 * Equal fingerprints mean equal futures; unequal ones only cost a visit.
 */

import { aliasingMappings, linearMappingsOf } from '../../check/inventory.js';
import type { HandleValue } from '../../calls/types.js';
import type { Kernel } from '../../kernel/kernel.js';
import { patMemtypeList } from '../../kernel/pat/memtype-list.js';
import { TtmPoolType } from '../../kernel/drivers/ttm/pool-type.js';

/** A handle of the explorer's universe as it is now. */
export interface LiveHandle {
  name: string;
  cls: string;
  /** Tags and names of handles that hold it (it cannot be consumed while any is there). */
  holds: string[];
  /** The kernel handle behind it; none for a token (a call's mark that it was done). */
  value?: HandleValue;
}

function valueKey(v: HandleValue | undefined): string {
  if (!v) return '-';
  switch (v.kind) {
    case 'pages':
      return `p${v.pfns.join(',')}`;
    case 'mapping':
      return `m${v.vaddr}/${v.size}/${v.phys ?? ''}/${v.what}`;
    case 'range':
      return `r${v.start}-${v.end}`;
    case 'bo':
      return `b${v.id}`;
  }
}

/**
 * A stable text of a subsystem's state: objects by own enumerable keys in
 * order, Maps and Sets in insertion order (the kernel model inserts
 * deterministically), functions skipped, shared objects written once. A TTM
 * pool type is its blocks in list order: how its ring is laid out (the
 * capacity, where the head is, what taken slots still hold) changes nothing
 * it does, and spelling out a device's 44 mostly empty types was most of a
 * TTM state's fingerprint. A `writeGen` (UserPtes, VmArea: how often they were
 * written, so the timeline's recorder knows whether to read them again) is
 * left out: equal tables are alike however often they were written.
 */
export function stateKey(v: unknown, seen = new Map<object, number>(), out: string[] = []): string[] {
  if (v === null || v === undefined) out.push(String(v));
  else if (typeof v === 'function') out.push('f');
  else if (typeof v !== 'object') out.push(typeof v === 'string' ? JSON.stringify(v) : String(v));
  else {
    const id = seen.get(v);
    if (id !== undefined) {
      out.push(`@${id}`);
      return out;
    }
    seen.set(v, seen.size);
    if (v instanceof TtmPoolType) out.push(`P${v.list().join(',')}`);
    else if (ArrayBuffer.isView(v)) out.push(`[${Array.prototype.join.call(v, ',')}]`);
    else if (v instanceof Map) {
      out.push('M{');
      for (const [a, b] of v) {
        stateKey(a, seen, out);
        out.push(':');
        stateKey(b, seen, out);
        out.push(',');
      }
      out.push('}');
    } else if (v instanceof Set) {
      out.push('S{');
      for (const a of v) {
        stateKey(a, seen, out);
        out.push(',');
      }
      out.push('}');
    } else if (Array.isArray(v)) {
      out.push('[');
      for (const a of v) {
        stateKey(a, seen, out);
        out.push(',');
      }
      out.push(']');
    } else {
      out.push('{');
      for (const key of Object.keys(v)) {
        if (key === 'writeGen') continue;
        out.push(key, '=');
        stateKey((v as Record<string, unknown>)[key], seen, out);
        out.push(',');
      }
      out.push('}');
    }
  }
  return out;
}

/** The fingerprint of kernel `k` with the explorer's live handles, over the pages the sequence touched. */
export function fingerprint(k: Kernel, live: readonly LiveHandle[], touchedPfns: Iterable<number>): string {
  const parts: string[] = [];
  // Handles as a set: ordered by what they are, holds naming handles by that order.
  const desc = live.map((h) => ({ h, key: `${h.cls}|${valueKey(h.value)}` })).sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  const rank = new Map(desc.map((d, i) => [d.h.name, i]));
  for (const d of desc) parts.push(`${d.key}|${d.h.holds.map((x) => (rank.has(x) ? `#${rank.get(x)}` : x)).sort().join('+')}`);
  parts.push('T', ...(patMemtypeList(k.memtype) ?? ['no-pat']));
  for (const r of k.memtype.pages.nonWbRuns()) parts.push(`pm${r.start}-${r.end}:${r.type}`);
  for (const m of aliasingMappings(k)) parts.push(`a${m.kind}|${m.owner}|${m.vaddr}|${m.pfn}|${m.npages}|${m.bits4k}|${m.special ?? ''}`);
  const pg = k.pages;
  for (const pfn of [...new Set(touchedPfns)].sort((a, b) => a - b)) {
    const lin = linearMappingsOf(k, pfn).map((m) => `${m.kind}:${m.bits4k}:${m.level}`).join(';');
    parts.push(pfn < pg.nPfns ? `g${pfn}:${pg.refcount.get(pfn)}:${pg.mapcount.get(pfn)}:${pg.flags.get(pfn)}:${lin}` : `g${pfn}:${lin}`);
  }
  parts.push(...k.directMap.meminfoLines(), k.allocator.cursorKey());
  // Each subsystem's tokens joined here, not spread into `parts`: the same text, without a thousand-argument push.
  for (const name of k.subsystems.names()) parts.push(`s${name}`, stateKey(k.subsystems.peekByName(name)).join('\n'));
  return parts.join('\n');
}
