/**
 * `patlab probe --capture SHAPE|MACHINE -o DIR` and `patlab probe --sweep [FILE] -o DIR`
 * (docs/probe.md §5): boot a machine shape under qemu with nothing loaded, write the boot as a
 * capture bundle (the format of ../shared/captures), and run check-capture on it.
 */

import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { checkCapture, type CheckResult } from '../io/capture/check.js';
import { formatIssues } from '../io/capture/lines.js';
import { packagedFile } from '../io/data/files.js';
import { loadMachine, loadPreset } from '../io/machine/load-machine.js';
import { presetNames } from '../io/machine/presets.js';
import { parseBootShapes, shapeQemu, type BootShape } from '../io/probe/boot-shape.js';
import { PROBE_KERNELS, bootOnceMore, bootAgainNote, buildInitramfs, findKernel, qemuShape, splitConsole, writeBundle, type KernelInstall, type ProbeKernel, type QemuShape } from '../io/probe/harness.js';
import { InputError } from '../run/input-error.js';
import { readInput } from './read-input.js';
import { writeStdout } from './write-stdout.js';

export const DEFAULT_SWEEP = 'probe/boot-sweep.yaml';

interface Target {
  name: string;
  kernel: ProbeKernel;
  shape: QemuShape;
}

function readSweep(file: string | undefined): BootShape[] {
  if (file === undefined) return parseBootShapes(packagedFile(DEFAULT_SWEEP), DEFAULT_SWEEP);
  const { text, name } = readInput(file);
  return parseBootShapes(text, name);
}

/** A shape of the default sweep by name, else a machine preset or machine file booted as qemu can match it. */
function resolveTarget(what: string, kernelOpt: ProbeKernel | undefined): Target | { refused: string } {
  const shape = readSweep(undefined).find((s) => s.name === what);
  if (shape) return { name: shape.name, kernel: kernelOpt ?? shape.kernel, shape: shapeQemu(shape) };
  let m;
  if (presetNames().includes(what)) m = loadPreset(what);
  else if (existsSync(what)) {
    const { text, name } = readInput(what);
    m = loadMachine(text, name);
  } else throw new InputError('<command line>', 1, 1, `--capture '${what}': expected a shape of ${DEFAULT_SWEEP}, a machine preset (patlab machines) or a machine file`);
  const kernel = kernelOpt ?? (m.arch === 'x86-64' ? '6.1-amd64' : '6.1-686-pae');
  const k = findKernel(kernel);
  if ('missing' in k) return { refused: k.missing };
  const shape2 = qemuShape(m, k);
  if ('refused' in shape2) return shape2;
  return { name: m.name, kernel, shape: shape2 };
}

/** Boot one shape with nothing loaded and write its bundle to `dir`. */
function captureBoot(k: KernelInstall, shape: QemuShape, dir: string): { cmd: string; again?: string } | { error: string } {
  const work = mkdtempSync(join(tmpdir(), 'patlab-capture-'));
  try {
    const initrd = buildInitramfs(work, null, k);
    if (typeof initrd !== 'string') return initrd;
    const { b, first } = bootOnceMore(k, shape, initrd, 240);
    if ('error' in b) return { error: b.error };
    const { files } = splitConsole(b.text);
    writeBundle(dir, files, b.cmd, 'a boot capture (patlab probe --capture): the files were read by the initramfs right after boot; no module was loaded.');
    return { cmd: b.cmd, ...(first ? { again: bootAgainNote(first) } : {}) };
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
}

/** `N agree, N differ (N known model limits), N not captured` and the names of what differs. */
export function checkSummary(r: CheckResult): { line: string; unexplained: string[] } {
  const n = (f: (p: CheckResult['predictions'][number]) => boolean) => r.predictions.filter(f).length;
  const agree = n((p) => p.status === 'agrees');
  const known = r.predictions.filter((p) => p.status === 'differs' && p.known !== undefined).map((p) => p.name);
  const unexplained = r.predictions.filter((p) => p.status === 'differs' && p.known === undefined).map((p) => p.name);
  const missing = n((p) => p.status === 'not-captured');
  const parts = [`${agree}/${agree + known.length + unexplained.length} agree`];
  if (known.length) parts.push(`differs by a known model limit: ${known.join(', ')}`);
  if (unexplained.length) parts.push(`DIFFERS: ${unexplained.join(', ')}`);
  if (missing) parts.push(`${missing} not captured`);
  return { line: parts.join('; '), unexplained };
}

async function runTargets(targets: Target[], outDir: string, single: boolean): Promise<number> {
  let worst = 0;
  let agreeing = 0;
  const rows: string[] = [];
  for (const t of targets) {
    const k = findKernel(t.kernel);
    if ('missing' in k) {
      process.stderr.write(`patlab: probe: ${k.missing}\n`);
      return 3;
    }
    const dir = single ? outDir : join(outDir, t.name);
    let out = `capture ${t.name} on ${t.kernel}\n`;
    for (const note of t.shape.notes) out += `  note: ${note}\n`;
    const b = captureBoot(k, t.shape, dir);
    if ('error' in b) {
      out += `  capture failed: ${b.error}\n`;
      worst = Math.max(worst, 1);
      rows.push(`${t.name}: capture failed`);
      await writeStdout(out);
      continue;
    }
    if (b.again) out += `  ${b.again}\n`;
    out += `  booted ${k.release}: ${b.cmd.split(' -kernel ')[0]}\n  wrote ${dir}\n`;
    const r = checkCapture(dir);
    if (r.import.issues.length > 0) {
      out += `  check-capture: the bundle does not import: ${formatIssues(r.import.issues).split('\n')[0]}\n`;
      worst = Math.max(worst, 1);
      rows.push(`${t.name}: does not import`);
    } else {
      const s = checkSummary(r);
      out += `  check-capture ${dir}: ${s.line}\n`;
      rows.push(`${t.name}: ${s.line}`);
      if (s.unexplained.length) worst = Math.max(worst, 1);
      else agreeing++;
    }
    await writeStdout(out);
  }
  if (!single) {
    const summary = `sweep: ${agreeing}/${targets.length} boots agree in every prediction or differ only by a known model limit\n${rows.map((r) => `  ${r}\n`).join('')}`;
    writeFileSync(join(outDir, 'SUMMARY.txt'), summary);
    await writeStdout(summary);
  }
  return worst;
}

export async function probeCapture(o: { capture?: string; sweep?: string | boolean; out?: string; kernel?: string }): Promise<number> {
  if (o.out === undefined) throw new InputError('<command line>', 1, 1, `${o.capture !== undefined ? '--capture' : '--sweep'} needs -o DIR: where the bundle${o.capture !== undefined ? '' : 's'} go`);
  const kernel = o.kernel as ProbeKernel | undefined;
  if (o.capture !== undefined) {
    const t = resolveTarget(o.capture, kernel);
    if ('refused' in t) {
      await writeStdout(`capture ${o.capture}\n  probe refused: ${t.refused}\n`);
      return 2;
    }
    return runTargets([t], o.out, true);
  }
  const shapes = readSweep(typeof o.sweep === 'string' ? o.sweep : undefined).filter((s) => kernel === undefined || s.kernel === kernel);
  if (shapes.length === 0) throw new InputError('<command line>', 1, 1, `--kernel ${kernel}: no shape of the sweep boots it (kernels: ${PROBE_KERNELS.join(', ')})`);
  return runTargets(shapes.map((s) => ({ name: s.name, kernel: s.kernel, shape: shapeQemu(s) })), o.out, false);
}
