/**
 * `patlab import DIR [-o machine.yaml]`: a capture bundle → a machine file.
 * Prints what was defaulted (stderr, `note:` lines); the first unreadable line
 * of the bundle as `FILE:LINE:1: why` (and how many more) and exit 2.
 */

import type { Command } from 'commander';
import { writeTextFile } from '../io/read-file.js';
import { formatIssues } from '../io/capture/lines.js';
import { importBundle } from '../io/capture/import.js';
import { writeStdout } from './write-stdout.js';

export function registerImport(program: Command): void {
  program
    .command('import')
    .description('read a capture bundle (dmesg, /proc files, pat_memtype_list, ...) and write a machine file')
    .argument('<dir>', 'capture bundle folder')
    .option('-o, --output <file>', 'write the machine YAML here instead of stdout')
    .action(async (dir: string, o: { output?: string }) => {
      const r = importBundle(dir);
      for (const n of r.notes) process.stderr.write(`note: ${n}\n`);
      if (r.issues.length > 0) {
        process.stderr.write(formatIssues(r.issues) + '\n');
        process.exitCode = 2;
        return;
      }
      if (o.output !== undefined) writeTextFile(o.output, r.yaml);
      else await writeStdout(r.yaml);
    });
}
