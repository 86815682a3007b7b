/**
 * debugfs `x86/pat_memtype_list` (arch/x86/mm/pat/memtype.c
 * `memtype_seq_show`; spec 02 §19, FORMAT §4 dump).
 */

import { cattrName } from '../../hw/cache-mode.js';
import { fmt016Lx } from '../printk.js';
import type { Memtype } from './memtype.js';

/**
 * The file's lines: a header, then one line per tree entry in tree order
 * (start, exclusive end, type). RAM page-flag types never appear. Returns
 * null when the file does not exist (PAT disabled at late boot).
 * On 32-bit kernels the walk covers [0, ULONG_MAX], so entries wholly above
 * 4 GiB are not listed (`lastAddr`).
 */
export function patMemtypeList(mt: Memtype, lastAddr: number = Number.POSITIVE_INFINITY): string[] | null {
  if (!mt.config.patEnabled) return null;
  const lines = ['PAT memtype list:'];
  const t = mt.tree;
  for (const id of t.entries()) {
    if (t.start(id) > lastAddr) continue;
    lines.push(`PAT: [mem ${fmt016Lx(t.start(id))}-${fmt016Lx(t.end(id))}] ${cattrName(t.type(id))}`);
  }
  return lines;
}
