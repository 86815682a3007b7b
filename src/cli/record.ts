/**
 * `patlab record [-o DIR] [--duration S] [--functions LIST] [--print-script] [-- COMMAND...]`:
 * trace the kernel calls that decide memory types on this machine, with the recorder script
 * (src/io/record/script.ts; docs/record.md §1). `--print-script` shows it for review; otherwise
 * it runs it (as root, on Linux) and the bundle it writes is read by `patlab import DIR --calls`.
 */

import type { Command } from 'commander';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { didYouMean } from '../io/did-you-mean.js';
import { recordFunctions } from '../io/record/functions.js';
import { recorderScript } from '../io/record/script.js';
import { InputError } from '../run/input-error.js';
import { writeStdout } from './write-stdout.js';

export function registerRecord(program: Command): void {
  program
    .command('record')
    .description("record the PAT-relevant kernel calls of this machine with tracefs kprobes (root), into a bundle 'patlab import --calls' reads")
    .argument('[command...]', 'record while this command runs (after --) instead of for --duration')
    .option('-o, --out <dir>', 'the bundle folder', 'patlab-record')
    .option('--duration <seconds>', 'how long to record when no command is given', '60')
    .option('--functions <list>', 'comma-separated functions to trace (default: every one in probe/record-functions.yaml)')
    .option('--buffer-kb <kb>', 'trace buffer per CPU, in KiB', '8192')
    .option('--print-script', 'print the recorder script and exit (review it before running it as root)')
    .action(async (command: string[], o: { out: string; duration: string; functions?: string; bufferKb: string; printScript?: boolean }) => {
      const known = recordFunctions().map((f) => f.name);
      const only = o.functions === undefined ? [] : o.functions.split(',').map((s) => s.trim()).filter((s) => s !== '');
      for (const f of only) if (!known.includes(f)) throw new InputError('<command line>', 1, 1, `--functions: unknown function '${f}'${didYouMean(f, known)}: expected names from probe/record-functions.yaml (${known.length} functions)`);
      if (!/^[1-9][0-9]{0,6}$/.test(o.duration)) throw new InputError('<command line>', 1, 1, `--duration '${o.duration}': expected whole seconds from 1`);
      if (!/^[1-9][0-9]{0,7}$/.test(o.bufferKb)) throw new InputError('<command line>', 1, 1, `--buffer-kb '${o.bufferKb}': expected a whole number of KiB from 1`);
      const script = recorderScript();
      if (o.printScript) return void (await writeStdout(script));
      if (process.platform !== 'linux') throw new InputError('<command line>', 1, 1, `patlab record traces a running Linux kernel; this is ${process.platform} (--print-script shows the script to run there)`);
      if (process.getuid?.() !== 0) throw new InputError('<command line>', 1, 1, 'patlab record needs root (tracefs kprobe events): run it with sudo, or review --print-script and run that as root');
      const dir = mkdtempSync(join(tmpdir(), 'patlab-record-'));
      try {
        const path = join(dir, 'patlab-record.sh');
        writeFileSync(path, script);
        const args = [path, '-o', o.out, '-d', o.duration, '-b', o.bufferKb, ...(only.length ? ['-f', only.join(',')] : []), ...(command.length ? ['--', ...command] : [])];
        const r = spawnSync('sh', args, { stdio: 'inherit' });
        process.exitCode = r.status ?? 1;
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    });
}
