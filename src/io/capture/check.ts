/**
 * `patlab check-capture DIR`: import the bundle, boot the imported machine in
 * the model, and compare each prediction with what the real kernel printed.
 * Predictions are computed from the imported machine only; the files they
 * are compared with (dmesg `x86/PAT:` and zone lines, `proc-meminfo.txt`,
 * `pat_memtype_list*.txt`) are never read by the importer.
 *
 * Predictions:
 * - `pat_boot_lines`: the `x86/PAT:` boot lines up to and including the
 *   `Configuration [0-7]` line (`pat_config` on its own too);
 * - `zone_ranges`: dmesg's `Zone ranges:` .. `Initmem setup` block;
 * - `directmap_total`, `directmap_1g`: the sum of the DirectMap lines, and
 *   DirectMap1G when present; `directmap_split`: the 4k and 2M lines;
 * - `pat_memtype_list`: the list right after boot (`pat_memtype_list.before.txt`
 *   when the bundle has one, else `pat_memtype_list.txt`), or its absence.
 * A `differs` whose cause is a known model limit carries `known` (the
 * explanation; docs/capture-differences.md lists each by bundle).
 */

import { bootKernel } from '../../kernel/kernel.js';
import { patMemtypeList } from '../../kernel/pat/memtype-list.js';
import { patBootInit } from '../../kernel/pat/pat-init.js';
import { directMapLines } from './proc-meminfo.js';
import { importBundle, type ImportResult } from './import.js';
import { memtypeListLines } from './pat-memtype-list.js';

export interface Prediction {
  name: string;
  status: 'agrees' | 'differs' | 'not-captured';
  predicted: string[];
  captured: string[];
  /** For a `differs` that is a documented model limit: why. */
  known?: string;
}

export interface CheckResult {
  bundle: string;
  import: ImportResult;
  predictions: Prediction[];
}

const SPLIT_WHY =
  'late-boot permission changes of the kernel image (mark_rodata_ro, free_init_pages, free_kernel_image_pages) are not modelled; modelled: the boot-time BPF JIT pack and a 1 GiB leaf under the image (docs/capture-differences.md)';

function compare(name: string, predicted: string[], captured: string[] | null, known?: string): Prediction {
  if (captured === null) return { name, status: 'not-captured', predicted, captured: [] };
  const same = predicted.length === captured.length && predicted.every((l, i) => l === captured[i]);
  const p: Prediction = { name, status: same ? 'agrees' : 'differs', predicted, captured };
  if (!same && known !== undefined) p.known = known;
  return p;
}

function kb(line: string): number {
  return Number(/(\d+) kB$/.exec(line)?.[1] ?? 0);
}

/** Run every prediction for the bundle in `dir`. */
export function checkCapture(dir: string): CheckResult {
  const imp = importBundle(dir);
  const b = imp.bundle;
  const m = imp.machine;
  const out: Prediction[] = [];

  // PAT boot lines (from the CPU, its features, MTRRs and boot options).
  const boot = patBootInit(m).messages.filter((l) => l.startsWith('x86/PAT:'));
  const cut = (ls: string[]): string[] => {
    const i = ls.findIndex((l) => l.startsWith('x86/PAT: Configuration'));
    return i < 0 ? ls : ls.slice(0, i + 1);
  };
  const capPat = b.dmesg ? cut(b.dmesg.patLines) : null;
  out.push(compare('pat_config', boot.filter((l) => l.startsWith('x86/PAT: Configuration')), capPat ? capPat.filter((l) => l.startsWith('x86/PAT: Configuration')) : null));
  out.push(compare('pat_boot_lines', cut(boot), capPat));

  const k = bootKernel(m);

  // Zone ranges block.
  if (b.dmesg) {
    const texts = b.dmesg.lines.map((l) => l.text);
    const s = texts.indexOf('Zone ranges:');
    const e = texts.findIndex((t, i) => i > s && t.startsWith('Initmem setup node'));
    out.push(compare('zone_ranges', k.zones.zoneRangesLines(), s >= 0 && e > s ? texts.slice(s, e + 1) : null));
  } else out.push(compare('zone_ranges', k.zones.zoneRangesLines(), null));

  // DirectMap.
  const dm = k.meminfoDirectMap();
  const cap = b.meminfo ? directMapLines(b.meminfo) : null;
  const total = (ls: string[]): string[] => [`DirectMap total: ${ls.reduce((a, l) => a + kb(l), 0)} kB`];
  out.push(compare('directmap_total', total(dm), cap ? total(cap) : null));
  const g1 = (ls: string[]): string[] => ls.filter((l) => l.startsWith('DirectMap1G'));
  if (dm.some((l) => l.startsWith('DirectMap1G')) || (cap !== null && g1(cap).length > 0)) out.push(compare('directmap_1g', g1(dm), cap ? g1(cap) : null));
  const small = (ls: string[]): string[] => ls.filter((l) => !l.startsWith('DirectMap1G'));
  out.push(compare('directmap_split', small(dm), cap ? small(cap) : null, SPLIT_WHY));

  // pat_memtype_list right after boot.
  const list = patMemtypeList(k.memtype, k.is64 ? Number.POSITIVE_INFINITY : 0xffffffff);
  const predicted = list === null ? ['(no pat_memtype_list: PAT disabled)'] : list.slice(1);
  const after = b.memtypeListBefore ?? b.memtypeList;
  const captured =
    after !== undefined
      ? memtypeListLines(after)
      : // The debugfs file is absent when PAT is disabled (captures/README.md); that says
        // something only when the capture read the other files (/proc) too.
        b.missing.includes('pat_memtype_list.txt') && b.dmesg !== undefined && (b.iomem !== undefined || b.meminfo !== undefined)
        ? ['(no pat_memtype_list: PAT disabled)']
        : null;
  out.push(compare(b.memtypeListBefore ? 'pat_memtype_list (before module)' : 'pat_memtype_list', predicted, captured));

  return { bundle: dir, import: imp, predictions: out };
}

/** One line per prediction, then a unified-ish diff under each `differs`. */
export function formatCheck(r: CheckResult): string {
  const lines: string[] = [];
  for (const p of r.predictions) {
    const tag = p.status === 'differs' && p.known ? 'differs (known model limit)' : p.status;
    lines.push(`${p.name}: ${tag}`);
    if (p.status !== 'differs') continue;
    if (p.known) lines.push(`  why: ${p.known}`);
    const n = Math.max(p.predicted.length, p.captured.length);
    for (let i = 0; i < n; i++) {
      const a = p.predicted[i];
      const c = p.captured[i];
      if (a === c) lines.push(`    ${a}`);
      else {
        if (c !== undefined) lines.push(`  - ${c}`);
        if (a !== undefined) lines.push(`  + ${a}`);
      }
    }
  }
  return lines.join('\n') + '\n';
}
