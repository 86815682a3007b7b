/**
 * `patlab import DIR [-o machine.yaml] [--calls FILE [--check]]`: a capture bundle → a machine
 * file; with `--calls`, the call log `patlab record` wrote → a call trace over that machine
 * (docs/record.md §3), and `--check` replays it against the recording.
 * Prints what was defaulted (stderr, `note:` lines); the first unreadable line
 * of the bundle as `FILE:LINE:1: why` (and how many more) and exit 2.
 */

import type { Command } from 'commander';
import { writeTextFile } from '../io/read-file.js';
import { formatIssues } from '../io/capture/lines.js';
import { importBundle } from '../io/capture/import.js';
import { checkImported } from '../io/record/check.js';
import { importCallLog } from '../io/record/import.js';
import { InputError } from '../run/input-error.js';
import { existsSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { writeStdout } from './write-stdout.js';

export function registerImport(program: Command): void {
  program
    .command('import')
    .description('read a capture bundle (dmesg, /proc files, pat_memtype_list, ...) and write a machine file')
    .argument('<dir>', 'capture bundle folder')
    .option('-o, --output <file>', 'write the machine YAML here instead of stdout')
    .option('--calls <file>', "write the bundle's call log (patlab record) here as a call trace over the machine (needs -o: the trace names the machine file)")
    .option('--check', 'with --calls: replay the trace and compare with the recording (return values, pat_memtype_list at the end)')
    .action(async (dir: string, o: { output?: string; calls?: string; check?: boolean }) => {
      if (o.calls !== undefined && o.output === undefined) throw new InputError('<command line>', 1, 1, '--calls needs -o FILE: the call trace names the machine file it replays on');
      if (o.check && o.calls === undefined) throw new InputError('<command line>', 1, 1, '--check needs --calls FILE');
      const r = importBundle(dir);
      for (const n of r.notes) process.stderr.write(`note: ${n}\n`);
      if (r.issues.length > 0) {
        process.stderr.write(formatIssues(r.issues) + '\n');
        process.exitCode = 2;
        return;
      }
      if (o.output !== undefined) writeTextFile(o.output, r.yaml);
      else await writeStdout(r.yaml);
      if (o.calls === undefined) {
        if (existsSync(join(dir, 'calls.log'))) process.stderr.write(`note: calls.log: a recorded call log, not imported (give --calls FILE)\n`);
        return;
      }
      const rel = relative(dirname(resolve(o.calls)), resolve(o.output!));
      const imp = importCallLog(dir, r.machine, rel.includes('/') ? rel : `./${rel}`, o.calls);
      for (const n of imp.notes) process.stderr.write(`note: ${n}\n`);
      const skipped = [...imp.notModelled.values()].reduce((a, b) => a + b, 0);
      let out = `${o.calls}: ${imp.recorded} calls recorded (${[...imp.counts].map(([n, c]) => `${n} ${c}`).join(', ') || 'none'}); ${imp.replayed} replayed, ${skipped} not modelled\n`;
      for (const [why, n] of imp.notModelled) out += `  not modelled: ${n} × ${why}\n`;
      if (o.check) {
        const lines = checkImported(dir, o.calls);
        const ok = lines.filter((l) => l.ok).length;
        out += lines.map((l) => `  ${l.text}\n`).join('') + `  ${ok}/${lines.length} observations agree\n`;
        if (ok < lines.length) process.exitCode = 1;
      }
      process.stderr.write(out);
    });
}
